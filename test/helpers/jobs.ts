import type { z } from 'zod';
import { silentLogger } from '../../src/log.js';
import type { JobContext, JobDefinition, JobResult, JobServices } from '../../src/queue/index.js';

/**
 * Runs a job's process() directly, the way the job host would after validating its data, with a
 * quiet default context. Tests override what they observe (progress, say, jobId).
 */
export function runJob<S extends z.ZodType>(
  job: JobDefinition<S>,
  data: unknown,
  services: JobServices,
  overrides: Partial<JobContext> = {},
): Promise<JobResult> {
  return job.process(job.schema.parse(data), {
    jobId: `j-test${Math.random().toString(16).slice(2, 10)}`,
    attempt: 1,
    signal: new AbortController().signal,
    services,
    log: silentLogger,
    progress: async () => {},
    say: async () => {},
    ...overrides,
  });
}
