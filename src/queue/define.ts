import type { z } from 'zod';
import type { JobDefinition } from './types.js';

/** Identity helper that keeps the data type flowing from the schema to process(). */
export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}
