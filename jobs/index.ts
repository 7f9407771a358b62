import type { JobDefinition } from '../src/queue/index.js';
import devicesList from './devices-list.js';
import jobsList from './jobs-list.js';

/** Every job type. A test fails when a file in jobs/ is missing here. */
export const jobs: JobDefinition[] = [devicesList, jobsList] as JobDefinition[];
