import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import { isNetopsError } from '../../../src/errors.js';
import { createRegistry, parseArgs, tokenize } from '../../../src/registry/index.js';
import { createFuzzIntake, FUZZ_SEED, RUNS } from './harness.js';

const names = commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
const word = fc.oneof(
  fc.constantFrom(
    ...names,
    'core1',
    'edge*',
    'all',
    'site:ams1',
    'tag:pci',
    '10.99.0.0/28',
    'C0RE1',
    'show',
    'version',
  ),
  fc.constantFrom(
    '--since',
    '--limit',
    '--site',
    '--devices',
    '--missing',
    '--',
    '--x=',
    '-c',
    '|',
    ';',
    '&&',
    '`id`',
    '$(x)',
  ),
  fc.constantFrom(
    '"',
    "'",
    '\\',
    '“',
    '”',
    '‘',
    '\u0000',
    '\u202e',
    '\n',
    '\t',
    '<@U0000ADMIN|admin>',
    '7d',
    '99999999999d',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.nat().map(String),
);
/** Command lines people type, and then some: mostly command-shaped, sometimes raw noise. */
const valid = fc.constantFrom(
  'core1',
  'core*',
  'all',
  'show version',
  'ip -br link',
  'backup core1',
  'show core1',
  'history edge1',
  '--site ams1',
  '--limit 5',
  'mine',
);
const text = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...names), fc.array(fc.oneof(valid, valid, word), { maxLength: 4 }))
      .map(([c, w]) => [c, ...w].join(' ')),
  },
  { weight: 2, arbitrary: fc.array(word, { maxLength: 8 }).map((w) => w.join(' ')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
);

describe('fuzz: argument grammar (tokenize, parseArgs, registry.parse)', () => {
  it(`${RUNS} inputs: a parse or a NetopsError with a sentence, nothing else`, () => {
    const registry = createRegistry(commands);
    fc.assert(
      fc.property(text, (t) => {
        try {
          const words = tokenize(t);
          expect(Array.isArray(words)).toBe(true);
          parseArgs(words, ['missing']);
        } catch (err) {
          expect(isNetopsError(err)).toBe(true);
        }
        try {
          registry.parse(t);
        } catch (err) {
          if (!isNetopsError(err)) throw err;
          expect(err.userMessage.length).toBeGreaterThan(0);
        }
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
  });
});

describe('fuzz: every command line through the real intake and policy', () => {
  it(`${RUNS} requests from three kinds of user: each is answered once (a reply, a job or a modal), never with an internal error`, async () => {
    const h = createFuzzIntake();
    let jobs = 0;
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.constantFrom('U0000ADMIN', 'U00VIEWER0', 'U0OPERATOR', 'U0STRANGER'),
        fc.constantFrom('C00NETOPS0', 'C0RANDOM00'),
        async (t, user, channel) => {
          const out = await h.outcome(() =>
            h.intake.handle({
              source: 'slash',
              text: t,
              user: { id: user },
              where: { channel },
              replyPrivately: async (m) => h.responder.ephemeral({ channel }, user, m),
              openModal: h.openModal,
            }),
          );
          const answers = out.replies.length + out.jobs.length + out.modals.length;
          expect(answers, `no answer to ${JSON.stringify(t)}`).toBeGreaterThanOrEqual(1);
          for (const r of out.replies) {
            expect(r.trim().length).toBeGreaterThan(0);
            expect(r, `internal error for ${JSON.stringify(t)}`).not.toMatch(/NETOPS_INTERNAL/);
          }
          expect(out.badJobData, `invalid job data from ${JSON.stringify(t)}`).toEqual([]);
          // a job always comes with its progress message
          if (out.jobs.length) expect(out.posts.length).toBeGreaterThanOrEqual(out.jobs.length);
          jobs += out.jobs.length;
        },
      ),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
    // the generator reaches real work, not only refusals
    expect(jobs).toBeGreaterThan(100);
  }, 240_000);
});
