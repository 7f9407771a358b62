import type { CommandDefinition } from '../src/registry/index.js';
import anomalies from './anomalies.js';
import capacity from './capacity.js';
import audit from './audit.js';
import change from './change.js';
import changes from './changes.js';
import compliance from './compliance.js';
import config from './config.js';
import devices from './devices.js';
import discover from './discover.js';
import graph from './graph.js';
import help from './help.js';
import incidents from './incidents.js';
import interfaces from './interfaces.js';
import jobs from './jobs.js';
import show from './show.js';
import top from './top.js';
import whoami from './whoami.js';

/** Every slash subcommand. A test fails when a file in commands/ is missing here. */
export const commands: CommandDefinition[] = [
  help,
  devices,
  show,
  config,
  interfaces,
  graph,
  discover,
  jobs,
  whoami,
  audit,
  incidents,
  change,
  changes,
  compliance,
  anomalies,
  capacity,
  top,
] as CommandDefinition[];
