import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commands } from '../../../commands/index.js';
import { jobs } from '../../../jobs/index.js';
import { createRegistry, defineCommand } from '../../../src/registry/index.js';

const noop = defineCommand({
  name: 'devices',
  aliases: ['inventory'],
  summary: 'List devices',
  usage: 'devices [glob]',
  action: 'read',
  examples: ['devices core*'],
  args: z.object({
    positionals: z.array(z.string()).max(1, 'one filter at most'),
    flags: z.object({ site: z.string().optional() }).strict(),
  }),
  run: async () => {},
});

describe('registry', () => {
  const registry = createRegistry([noop]);

  it('finds a command by name or alias and validates its arguments', () => {
    expect(registry.parse('devices core* --site ams1').args).toEqual({
      positionals: ['core*'],
      flags: { site: 'ams1' },
    });
    expect(registry.parse('inventory').command.name).toBe('devices');
  });

  it('answers an unknown subcommand with the closest match', () => {
    expect(() => registry.parse('devics')).toThrow(
      expect.objectContaining({ code: 'NETOPS_UNKNOWN_COMMAND', hint: expect.stringContaining('`devices`') }),
    );
  });

  it('shows the problem and the usage for bad arguments', () => {
    try {
      registry.parse('devices a b --colour red');
      expect.unreachable();
    } catch (err) {
      const e = err as { code: string; toUserText(): string };
      expect(e.code).toBe('NETOPS_BAD_ARGS');
      expect(e.toUserText()).toMatch(/one filter at most/);
      expect(e.toUserText()).toMatch(/colour/);
      expect(e.toUserText()).toMatch(/Usage: `devices \[glob\]`/);
    }
  });

  it('generates help from the registry', () => {
    expect(registry.help('/net')).toContain('`/net devices [glob]` — List devices');
    expect(registry.help('/net', 'devices')).toContain('`/net devices core*`');
  });

  it('refuses two commands with the same name', () => {
    expect(() => createRegistry([noop, noop])).toThrow(/two commands/);
  });
});

describe('registration', () => {
  it('registers every file in commands/', () => {
    const files = readdirSync(new URL('../../../commands/', import.meta.url)).filter(
      (f) => f.endsWith('.ts') && f !== 'index.ts',
    );
    expect(files.length).toBeGreaterThan(0);
    expect(commands.length).toBe(files.length);
    expect(() => createRegistry(commands)).not.toThrow();
  });

  it('registers every file in jobs/ with a unique name', () => {
    const files = readdirSync(new URL('../../../jobs/', import.meta.url)).filter(
      (f) => f.endsWith('.ts') && f !== 'index.ts',
    );
    expect(jobs.length).toBe(files.length);
    expect(new Set(jobs.map((j) => j.name)).size).toBe(jobs.length);
  });
});
