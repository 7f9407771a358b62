import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSyslog, recogniseConfigChange } from '../../../src/configs/syslog/index.js';
import { createActions } from '../../../src/compose.js';
import { isNetopsError } from '../../../src/errors.js';
import { readClick } from '../../../src/slack/app.js';
import { parseSlackBody } from '../../../src/slack/receiver.js';
import { createFuzzIntake, FUZZ_SEED, RUNS } from './harness.js';

const deviceLike = fc.record(
  {
    name: fc.oneof(
      fc.constantFrom('leaf9', 'core1', '', '../x', 'a'.repeat(300)),
      fc.string({ maxLength: 20 }),
    ),
    vendor: fc.oneof(
      fc.constantFrom('arista_eos', 'linux', 'cisco_iosxe', 'nope'),
      fc.string({ maxLength: 8 }),
    ),
    host: fc.oneof(
      fc.constantFrom('10.99.0.9', '10.99.0.300', '203.0.113.5', '::1'),
      fc.ipV4(),
      fc.string({ maxLength: 15 }),
    ),
    credential: fc.oneof(fc.constantFrom('default', 'bad name', ''), fc.string({ maxLength: 10 })),
    site: fc.string({ maxLength: 6 }),
    tags: fc.oneof(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.string()),
    snmp: fc.oneof(fc.constant({ credential: 'discovery' }), fc.anything()),
    port: fc.oneof(fc.integer(), fc.string()),
  },
  { requiredKeys: [] },
);
/** What a button's value can be: a proposal, a mangled proposal, JSON of anything, or noise. */
const proposal = fc
  .record({
    name: fc.constantFrom('leaf9', 'new-sw2', 'Core1'),
    vendor: fc.constantFrom('arista_eos', 'linux', 'cisco_iosxe'),
    host: fc.nat(255).map((n) => `10.99.0.${n}`),
    credential: fc.constant('default'),
  })
  .map((d) => JSON.stringify(d));
const value = fc.oneof(
  proposal,
  deviceLike.map((d) => JSON.stringify(d)),
  fc.json(),
  fc.string({ maxLength: 300 }),
  fc.constant(undefined),
);
const user = fc.oneof(
  fc.constantFrom('U0000ADMIN', 'U00VIEWER0', 'U0OPERATOR', 'U0STRANGER'),
  fc.string({ maxLength: 12 }),
);
/** block_actions bodies: well-formed, half-formed and wrong-typed fields. */
const body = fc.oneof(
  fc.record({
    type: fc.constant('block_actions'),
    user: fc.oneof(fc.record({ id: user }), fc.anything()),
    channel: fc.oneof(
      fc.record({
        id: fc.constantFrom('C00NETOPS0', 'C0RANDOM00'),
        name: fc.constantFrom('netops', 'random'),
      }),
      fc.anything(),
    ),
    container: fc.oneof(
      fc.record({ channel_id: fc.string({ maxLength: 12 }), message_ts: fc.string({ maxLength: 18 }) }),
      fc.anything(),
    ),
    message: fc.oneof(
      fc.record({ ts: fc.string({ maxLength: 18 }), thread_ts: fc.string({ maxLength: 18 }) }),
      fc.anything(),
    ),
  }),
  fc.anything(),
);

describe('fuzz: interaction payloads', () => {
  it(`${RUNS} button clicks (discover.add): every one with a user is answered, none crashes`, async () => {
    const h = createFuzzIntake();
    let queued = 0;
    const add = createActions({
      config: h.config,
      enqueue: async () => {
        queued++;
        return { jobId: 'j-00000000' };
      },
    })[0]!;
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(body, value, async (b, v) => {
        const action = v === undefined ? {} : { value: v };
        const click = readClick(b, action);
        if (!click) return; // no user to answer: the app logs and ignores it
        expect(typeof click.userId).toBe('string');
        let devices: ReturnType<NonNullable<typeof add.devicesOf>> = [];
        try {
          devices = add.devicesOf?.(click.value) ?? [];
        } catch (err) {
          expect(isNetopsError(err)).toBe(true);
        }
        const queuedBefore = queued;
        const out = await h.outcome(() =>
          h.intake.interaction({
            actionId: add.actionId,
            action: add.action,
            devices,
            ...click,
            replyPrivately: async (m) =>
              h.responder.ephemeral({ channel: click.channel ?? 'D0' }, click.userId, m),
            run: (access) =>
              add.handle({
                access,
                userId: click.userId,
                ...(click.channel ? { channel: click.channel } : {}),
                ...(click.value !== undefined ? { value: click.value } : {}),
                responder: h.responder,
                openModal: h.openModal,
              }),
          }),
        );
        for (const r of out.replies) {
          expect(r).not.toMatch(/NETOPS_INTERNAL/);
          expect(r).toMatch(/^:(no_entry|warning): \S/);
        }
        // Exactly one answer: a private reply, or (allowed and valid) the Add queued for the worker.
        const didQueue = queued - queuedBefore;
        expect(out.replies.length + didQueue, `no answer to ${JSON.stringify({ b, v })}`).toBe(1);
        if (out.replies.length) answered++;
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
    expect(answered).toBeGreaterThan(1_000);
    // and some clicks were allowed and valid: the handler really ran
    expect(queued).toBeGreaterThan(20);
  }, 240_000);
});

describe('fuzz: webhook bodies', () => {
  const contentType = fc.constantFrom(
    'application/json',
    'application/x-www-form-urlencoded',
    'text/plain',
    undefined,
    'application/json; charset=utf-8',
  );
  const slackBody = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.json().map(String),
    fc
      .dictionary(
        fc.constantFrom('payload', 'command', 'user_id', 'channel_id', 'text', 'ssl_check', 'type'),
        fc.oneof(fc.string(), fc.json()),
      )
      .map((d) => new URLSearchParams(d as Record<string, string>).toString()),
    fc.object().map((o) => JSON.stringify(o)),
  );
  it(`${RUNS} Slack request bodies (commands, interactions, events): an object with a type or a command, or null`, () => {
    fc.assert(
      fc.property(slackBody, contentType, (b, ct) => {
        const r = parseSlackBody(b, ct);
        if (r !== null) {
          expect(typeof r).toBe('object');
          expect(typeof r.type === 'string' || typeof r.command === 'string' || 'ssl_check' in r).toBe(true);
        }
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
  });

  it(`${RUNS} syslog datagrams: a message or undefined, and a change or undefined`, () => {
    const datagram = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc
        .tuple(
          fc.nat(200),
          fc.constantFrom(
            '%SYS-5-CONFIG_I',
            'UI_COMMIT_COMPLETED',
            '%VSHD-5-VSHD_SYSLOG_CONFIG_I',
            '%SYS-5-CONFIG_E',
          ),
          fc.string({ maxLength: 80 }),
        )
        .map(([p, tag, rest]) => `<${p}>Nov 29 12:00:00 core1 ${tag}: ${rest}`),
    );
    fc.assert(
      fc.property(datagram, (d) => {
        const m = parseSyslog(d);
        if (m) recogniseConfigChange(m);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
  });
});

describe('fuzz: modal submissions (change.request)', () => {
  it(`${RUNS} private_metadata values: decided and audited, or refused with a sentence; never a crash`, async () => {
    const { createChangeHandlers } = await import('../../../src/changes/index.js');
    const h = createFuzzIntake();
    const view = createChangeHandlers({
      pool: undefined as never,
      config: h.config,
      inventory: undefined as never,
      enqueue: async () => ({ jobId: 'j-00000000' }),
      responder: h.responder,
      authorize: () => ({ ok: true }),
    }).views[0]!;
    const metadata = fc.oneof(
      fc
        .record(
          {
            target: fc.string({ maxLength: 10 }),
            devices: fc.oneof(
              fc.array(fc.constantFrom('core1', 'edge1', 'ghost', ''), { maxLength: 4 }),
              fc.anything(),
            ),
            channel: fc.oneof(fc.constantFrom('C00NETOPS0', 'C0RANDOM00', ''), fc.anything()),
          },
          { requiredKeys: [] },
        )
        .map((m) => JSON.stringify(m)),
      fc.string({ maxLength: 200 }),
      fc.json(),
    );
    let denied = 0;
    await fc.assert(
      fc.asyncProperty(metadata, user, async (meta, u) => {
        let scope: { channel?: string; devices: string[] } = { devices: [] };
        try {
          scope = view.scopeOf?.(meta) ?? scope;
        } catch (err) {
          expect(err).toBeInstanceOf(SyntaxError);
        }
        expect(Array.isArray(scope.devices)).toBe(true);
        const r = await h.intake.submission({
          callbackId: view.callbackId,
          action: view.action,
          userId: u,
          ...(scope.channel ? { channel: scope.channel } : {}),
          deviceNames: scope.devices,
        });
        if (r !== undefined) {
          denied++;
          expect(r).toMatch(/\S/);
          expect(r).not.toMatch(/NETOPS_INTERNAL/);
        }
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
    expect(denied).toBeGreaterThan(1_000);
    expect(denied).toBeLessThan(RUNS);
  }, 240_000);
});
