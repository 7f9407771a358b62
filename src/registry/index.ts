export { defineCommand } from './define.js';
export { createRegistry, dispatch, type Registry, type DispatchContext } from './registry.js';
export { tokenize, parseArgs } from './grammar.js';
export type { CommandContext, CommandDefinition, CommandUser, ParsedArgs, RegistryView } from './types.js';
