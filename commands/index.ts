import type { CommandDefinition } from '../src/registry/index.js';
import devices from './devices.js';
import help from './help.js';
import jobs from './jobs.js';

/** Every slash subcommand. A test fails when a file in commands/ is missing here. */
export const commands: CommandDefinition[] = [help, devices, jobs] as CommandDefinition[];
