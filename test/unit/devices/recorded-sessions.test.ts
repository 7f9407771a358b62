import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Vendor } from '../../../src/config.js';
import { checkFailures } from '../../../src/devices/service.js';
import {
  cleanText,
  commandOutput,
  lastLine,
  PromptReader,
  promptPrefix,
} from '../../../src/devices/transport/text.js';
import { getVendor } from '../../../src/devices/vendors/index.js';
import { ErrorCode, NetopsError } from '../../../src/errors.js';

/**
 * Replays every recorded session under test/fixtures/devices/<vendor>/ (simulators and, where
 * recorded as root, the real sshd and FRR): prompt detection on the raw chunks as they arrived and
 * re-chunked at random, the cleaned output, the failure mapping, and the vendor parser.
 * Record again with `npx tsx test/fixtures/devices/record.ts`. `doc-*.json` fixtures are typed from
 * vendor documentation layouts with hand-written expectations: they keep the parsers honest about
 * real output, not just about the simulator's.
 */

interface Fixture {
  file: string;
  source: string;
  vendor: Vendor;
  command: string;
  chunks: string[] | null;
  output: string;
  parser: 'version' | 'interfaces' | 'bgpNeighbors' | 'lldpNeighbors' | null;
  parsed: unknown;
}

const root = join(import.meta.dirname, '../../fixtures/devices');
const fixtures: Fixture[] = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(join(root, d.name))
      .filter((f) => f.endsWith('.json'))
      .map(
        (f) =>
          ({ file: `${d.name}/${f}`, ...JSON.parse(readFileSync(join(root, d.name, f), 'utf8')) }) as Fixture,
      ),
  );

describe('recorded sessions', () => {
  it('covers every vendor, and the real sshd and FRR', () => {
    const vendors = new Set(fixtures.map((f) => f.vendor));
    expect([...vendors].sort()).toEqual([
      'arista_eos',
      'cisco_iosxe',
      'cisco_nxos',
      'frr',
      'juniper_junos',
      'linux',
    ]);
    expect(fixtures.some((f) => f.source === 'real-frr')).toBe(true);
    expect(fixtures.some((f) => f.source === 'real-linux')).toBe(true);
  });

  describe.each(fixtures.filter((f) => f.chunks).map((f) => [f.file, f] as const))('%s', (_name, f) => {
    const v = getVendor(f.vendor);
    const raw = f.chunks!.join('');
    const pin = promptPrefix(lastLine(cleanText(raw)));
    const reader = () =>
      new PromptReader({ prompt: v.prompt, pinnedPrefix: pin, ...(v.pager ? { pager: v.pager } : {}) });

    it('sees the prompt on the last chunk only', () => {
      const r = reader();
      const events = f.chunks!.map((c) => r.push(c));
      expect(events.slice(0, -1).every((e) => e === null)).toBe(true);
      expect(events[events.length - 1]).toBe('prompt');
    });

    it('sees the prompt only once everything but trailing blanks has arrived, however the stream is cut', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, raw.length - 1) }), { maxLength: 40 }),
          (cuts) => {
            const points = [...cuts].sort((a, b) => a - b);
            const r = reader();
            let prev = 0;
            for (const p of [...points, raw.length]) {
              const ev = r.push(raw.slice(prev, p));
              prev = p;
              if (ev === 'prompt') return raw.slice(0, p).trimEnd() === raw.trimEnd();
            }
            return false;
          },
        ),
        { numRuns: 60 },
      );
    });

    it('turns the raw stream into the recorded output', () => {
      expect(commandOutput(raw, f.command, v.pager)).toBe(f.output);
      expect(f.output).not.toMatch(/\x1b|\r/);
      expect(f.output.split('\n')[0]).not.toBe(f.command);
    });
  });

  describe.each(fixtures.map((f) => [f.file, f] as const))('%s parses', (_name, f) => {
    const v = getVendor(f.vendor);
    if (f.file.includes('bad-command')) {
      it('maps the error text to DEVICE_COMMAND_FAILED', () => {
        let err: unknown;
        try {
          checkFailures(v, 'dev1', f.command, f.output);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(NetopsError);
        expect((err as NetopsError).code).toBe(ErrorCode.DEVICE_COMMAND_FAILED);
      });
      return;
    }
    it('passes the failure screen', () => {
      expect(() => checkFailures(v, 'dev1', f.command, f.output)).not.toThrow();
    });
    if (!f.parser) return;
    it(`gives the recorded ${f.parser}`, () => {
      const parsed = (v.parse[f.parser!] as (t: string) => unknown)(f.output);
      expect(parsed).toEqual(f.parsed);
      if (f.parser === 'version') {
        const p = parsed as { version: string; model: string; hostname: string };
        expect(p.version).toMatch(/\d/);
        expect(p.model).not.toBe('');
        expect(p.hostname).not.toBe('');
      } else {
        const list = parsed as Array<Record<string, unknown>>;
        expect(list.length).toBeGreaterThan(0);
        if (f.parser === 'interfaces') for (const i of list) expect(typeof i.name).toBe('string');
        if (f.parser === 'bgpNeighbors' && f.vendor !== 'linux')
          for (const n of list) expect(n.remoteAs).toBeGreaterThan(0);
      }
    });
  });
});
