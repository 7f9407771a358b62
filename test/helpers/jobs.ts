import type { z } from 'zod';
import { silentLogger } from '../../src/log.js';
import {
  type JobContext,
  type JobDefinition,
  type JobResult,
  servicesFor,
  unmetNeeds,
} from '../../src/queue/index.js';
import type { CoreServices, DomainServices } from '../../src/services/index.js';

/** What a test hands a job: the core services and whichever domain services it set up. */
export type TestServices = CoreServices & Partial<DomainServices>;

/**
 * Runs a job's process() directly, the way the job host would after validating its data: with
 * exactly the services the job declares (a missing one fails here, as the host would refuse to
 * start) and a quiet default context. Tests override what they observe (progress, say, jobId).
 */
export function runJob<S extends z.ZodType, Svc>(
  job: JobDefinition<S, Svc>,
  data: unknown,
  services: object,
  overrides: Partial<JobContext<Svc>> = {},
): Promise<JobResult> {
  const unmet = unmetNeeds([job as JobDefinition], services);
  if (unmet.length) throw new Error(`test set-up: ${unmet.join('; ')}`);
  return job.process(job.schema.parse(data), {
    jobId: `j-test${Math.random().toString(16).slice(2, 10)}`,
    attempt: 1,
    signal: new AbortController().signal,
    services: servicesFor(job as JobDefinition, services) as Svc,
    log: silentLogger,
    progress: async () => {},
    say: async () => {},
    ...overrides,
  });
}
