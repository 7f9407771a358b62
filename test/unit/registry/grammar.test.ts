import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseArgs, tokenize } from '../../../src/registry/index.js';

describe('tokenize', () => {
  it('groups quoted words and unescapes', () => {
    expect(tokenize(`show core1 "show ip route 10.0.0.0" --since '24 h'`)).toEqual([
      'show',
      'core1',
      'show ip route 10.0.0.0',
      '--since',
      '24 h',
    ]);
    expect(tokenize('a\\ b "c\\"d"')).toEqual(['a b', 'c"d']);
    expect(tokenize('  ')).toEqual([]);
    expect(tokenize('""')).toEqual(['']);
  });

  it('treats smart quotes from Slack clients as quotes', () => {
    expect(tokenize('config search “ip route”')).toEqual(['config', 'search', 'ip route']);
  });

  it('rejects an unterminated quote with a user-facing message', () => {
    expect(() => tokenize('show "core1')).toThrow(
      expect.objectContaining({ code: 'NETOPS_BAD_ARGS', userMessage: expect.stringMatching(/not closed/) }),
    );
  });

  it('round-trips any list of words quoted with double quotes', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 8 }), (words) => {
        const text = words.map((w) => `"${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(' ');
        expect(tokenize(text)).toEqual(words);
      }),
    );
  });
});

describe('parseArgs', () => {
  it('reads --flag value, --flag=value and trailing booleans', () => {
    expect(parseArgs(['core*', '--site', 'ams1', '--tag=pci', '--missing'])).toEqual({
      positionals: ['core*'],
      flags: { site: 'ams1', tag: 'pci', missing: true },
    });
  });

  it('keeps the word after a declared boolean flag positional', () => {
    expect(parseArgs(['--missing', 'ntp server'], ['missing'])).toEqual({
      positionals: ['ntp server'],
      flags: { missing: true },
    });
  });

  it('stops reading flags after --', () => {
    expect(parseArgs(['--', '--not-a-flag'])).toEqual({ positionals: ['--not-a-flag'], flags: {} });
  });

  it('does not take a negative-looking value for a flag', () => {
    expect(parseArgs(['--a', '--b', 'x'])).toEqual({ positionals: [], flags: { a: true, b: 'x' } });
  });
});
