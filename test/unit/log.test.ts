import { describe, expect, it } from 'vitest';
import { createLogger, SECRET_FIELDS } from '../../src/log.js';

describe('log redaction', () => {
  it('hides every secret-bearing field at any depth a log call puts it', () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, { write: (l: string) => void lines.push(l) });
    const values = new Map<string, string>(SECRET_FIELDS.map((f, i) => [f, `s3cr3t-${i}-${f}`]));
    const bag = Object.fromEntries(values);
    log.info(bag, 'top');
    log.info({ cred: bag }, 'one deep');
    log.info({ err: { context: bag } }, 'two deep');
    log.info({ job: { device: { ssh: bag } } }, 'three deep');
    const out = lines.join('');
    expect(lines).toHaveLength(4);
    for (const [field, value] of values) expect(out, field).not.toContain(value);
    expect(out).toContain('[redacted]');
  });

  it('keeps what is not secret', () => {
    const lines: string[] = [];
    const log = createLogger('info', {}, { write: (l: string) => void lines.push(l) });
    log.info({ device: 'core1', credential: 'lab', command: 'show version' }, 'ran');
    expect(lines.join('')).toContain('"credential":"lab"');
    expect(lines.join('')).toContain('show version');
  });
});
