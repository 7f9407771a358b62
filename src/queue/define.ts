import type { z } from 'zod';
import type { JobContext, JobDefinition, ServiceMap } from './types.js';

/** A job as written: `needs` names service keys of `All`, and `process` sees only those. */
export type JobSpec<S extends z.ZodType, All, N extends keyof All> = Omit<
  JobDefinition<S, Pick<All, N>>,
  'needs' | 'process'
> & {
  needs: readonly N[];
  process(data: z.infer<S>, ctx: JobContext<Pick<All, N>>): Promise<import('../chat/index.js').JobResult>;
};

/**
 * A `defineJob` typed by a table of services. The queue knows no domain, so the table comes from
 * outside: src/services/index.ts makes the one jobs use (`jobKit<Services>()`).
 */
export function jobKit<All extends object>() {
  return function defineJob<S extends z.ZodType, const N extends keyof All & string = never>(
    def: JobSpec<S, All, N>,
  ): JobDefinition<S, Pick<All, N>> {
    return def as JobDefinition<S, Pick<All, N>>;
  };
}

/** For jobs that live outside the product's service table (tests, benches): services are untyped. */
export const defineJob = jobKit<ServiceMap>();

/** Which of `jobs` need a service that `services` does not have: one line per gap, empty when all are met. */
export function unmetNeeds(jobs: readonly JobDefinition[], services: object): string[] {
  const out: string[] = [];
  for (const job of jobs) {
    const missing = job.needs.filter((n) => !(n in services) || (services as ServiceMap)[n] === undefined);
    if (missing.length) out.push(`${job.name} needs ${missing.join(', ')}`);
  }
  return out;
}

/** The services one job asked for and nothing else, so an undeclared use fails in tests, not in production. */
export function servicesFor(job: JobDefinition, services: object): ServiceMap {
  const out: ServiceMap = {};
  for (const n of job.needs) out[n] = (services as ServiceMap)[n];
  return out;
}
