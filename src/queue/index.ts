export { defineJob, jobKit, unmetNeeds, servicesFor, type JobSpec } from './define.js';
export { createProducer, DEFAULT_QUEUE, type Producer } from './producer.js';
export { createJobHost, type JobHost, type JobHostOptions } from './host.js';
export { newJobId } from './envelope.js';
export {
  createScheduler,
  type DesiredSchedule,
  type ReconcileSchedulesResult,
  type ScheduleInfo,
  type Scheduler,
} from './schedules.js';
export type {
  JobDevice,
  Enqueue,
  EnqueueOptions,
  JobContext,
  JobDefinition,
  JobOrigin,
  JobResult,
  ServiceMap,
} from './types.js';
export { createUserRateLimit } from './rate-limit.js';
export { fanOutPriority, MAX_PRIORITY } from './fairness.js';
