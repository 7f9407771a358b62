export { defineJob } from './define.js';
export { createProducer, DEFAULT_QUEUE, type Producer } from './producer.js';
export { createJobHost, type JobHost, type JobHostOptions } from './host.js';
export { newJobId } from './envelope.js';
export type {
  Enqueue,
  EnqueueOptions,
  JobContext,
  JobDefinition,
  JobOrigin,
  JobResult,
  JobServices,
} from './types.js';
