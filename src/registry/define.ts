import type { z } from 'zod';
import type { CommandDefinition } from './types.js';

export function defineCommand<S extends z.ZodType>(def: CommandDefinition<S>): CommandDefinition<S> {
  return def;
}
