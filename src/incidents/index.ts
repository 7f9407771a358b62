export {
  ALERT_SOURCES,
  type AlertEvent,
  type AlertSource,
  labelFingerprint,
  parseAlertPayload,
  PayloadError,
} from './payloads.js';
export { place, routeChannel, type KnownDevice, type RouteRule, worseSeverity } from './grouping.js';
export { createIncidentStore, type Incident, type IncidentAlert, type IncidentStore } from './store.js';
export { INCIDENT_ACTIONS, duration, parentMessage, resolutionSummary } from './render.js';
export { planDiagnostics, type DiagnosticStep, type DiagnosticsTarget } from './diagnostics.js';
export { createPacer, type Pacer } from './pacer.js';
export { authenticate, createAlertRoutes, type AlertIntakeOptions, type SourceAuth } from './webhook.js';
export { queueSync, syncJobId } from './sync.js';
export { createSilences, type SilenceResult } from './alertmanager.js';
export { createIncidentActions, type Authorize, type IncidentActionsOptions } from './actions.js';
export { alertRoutes, defaultAlertChannel, deviceFinder, pacedResponder } from './compose.js';
