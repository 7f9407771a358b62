import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';

const env = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 's', NETOPS_CONFIG: 'netops.yaml' };
const file = (text: string) => () => text;

describe('loadConfig', () => {
  it('reads a valid file, applies defaults and freezes the result', () => {
    const c = loadConfig(env, {
      role: 'all',
      readFile: file(`devices:\n  - { name: core1, vendor: cisco_iosxe, host: 10.0.0.1, credential: lab }\n`),
    });
    expect(c.devices[0]).toMatchObject({ name: 'core1', port: 22, tags: [], enabled: true });
    expect(c.slack.command).toBe('/net');
    expect(c.schedules.backup.every).toBe(3_600_000);
    expect(Object.isFrozen(c.devices[0])).toBe(true);
  });

  it('lists every problem with a hint', () => {
    try {
      loadConfig(
        { NETOPS_CONFIG: 'x.yaml', PORT: 'abc' },
        {
          role: 'all',
          readFile: file(
            `devices:\n  - { name: a, vendor: cisco_ios, host: h, credential: c }\n  - { name: a, vendor: linux, host: h, credential: 'bad name', colour: red }\n`,
          ),
        },
      );
      expect.unreachable();
    } catch (err) {
      const problems = (err as { context: { problems: string[] } }).context.problems;
      const all = problems.join('\n');
      expect(all).toMatch(/env PORT/);
      expect(all).toMatch(/SLACK_BOT_TOKEN.*hint/);
      expect(all).toMatch(/devices\.0\.vendor.*hint: one of cisco_iosxe/);
      expect(all).toMatch(/devices\.1\.credential/);
      expect(all).toMatch(/colour/);
      expect(all).toMatch(/duplicate device name "a"/);
      expect(problems.length).toBeGreaterThanOrEqual(6);
    }
  });

  it('refuses a timezone that is not an IANA name, with an example', () => {
    expect(() =>
      loadConfig(env, { role: 'worker', readFile: file('timezone: Mars/Olympus_Mons\n') }),
    ).toThrow(/timezone[\s\S]*IANA timezone such as Europe\/Paris/);
    const c = loadConfig(env, { role: 'worker', readFile: file('timezone: Europe/Paris\n') });
    expect(c.timezone).toBe('Europe/Paris');
  });

  it('reports YAML syntax errors with the line', () => {
    expect(() => loadConfig(env, { role: 'worker', readFile: file('devices:\n  - name: [oops\n') })).toThrow(
      /not valid YAML at line/,
    );
  });

  it('does not need Slack tokens for a worker-only role except the bot token', () => {
    expect(() =>
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }, { role: 'worker', readFile: file('{}') }),
    ).not.toThrow();
  });
});

describe('regression: schedules.reconcile.every: 30d overflowed the timer (fired every millisecond)', () => {
  const load = (yaml: string) => loadConfig(env, { role: 'all', readFile: file(yaml) });
  const problems = (yaml: string): string => {
    try {
      load(yaml);
    } catch (err) {
      return (err as { context: { problems: string[] } }).context.problems.join('\n');
    }
    return '';
  };

  it('refuses a schedule longer than a timer can hold, saying why', () => {
    expect(problems('schedules:\n  reconcile: { every: 30d }\n')).toMatch(
      /schedules\.reconcile\.every.*at most 24d \(longer timers overflow/,
    );
    expect(problems('schedules:\n  poll: { every: 2147483648 }\n')).toMatch(
      /schedules\.poll\.every.*at most 24d/,
    );
    expect(problems('configs:\n  syslog: { debounce: 99999999999999999999d }\n')).toMatch(/debounce/);
  });

  it('chooses the metrics backend: postgres by default, victoriametrics only with a URL', () => {
    const d = load('devices: []\n');
    expect(d.metrics).toMatchObject({ backend: 'postgres', prefix: 'netops_', latencyOffset: 30_000 });
    expect(d.schedules.poll).toMatchObject({ mode: 'rounds', concurrency: 200 });
    const vm = load(
      'metrics:\n  backend: victoriametrics\n  url: http://127.0.0.1:8428\n  timeout: 10s\n  latencyOffset: 0s\n',
    );
    expect(vm.metrics).toMatchObject({
      backend: 'victoriametrics',
      url: 'http://127.0.0.1:8428',
      timeout: 10_000,
      latencyOffset: 0,
    });
    expect(problems('metrics:\n  backend: victoriametrics\n')).toMatch(
      /metrics\.url: required when backend is victoriametrics — hint: .*8428/,
    );
    expect(problems('metrics:\n  backend: influx\n')).toMatch(
      /metrics\.backend.*hint: postgres \(the default\)/,
    );
    expect(problems('metrics:\n  backend: victoriametrics\n  url: ftp://x\n')).toMatch(/metrics\.url/);
    expect(problems('metrics:\n  prefix: "1bad-"\n')).toMatch(/metrics\.prefix/);
  });

  it('accepts the w unit the schema documents, and the longest timer', () => {
    const c = load('schedules:\n  backup: { every: 1w, jitter: 24d }\nmetrics:\n  retention: { raw: 2w }\n');
    expect(c.schedules.backup.every).toBe(7 * 86_400_000);
    expect(c.schedules.backup.jitter).toBe(24 * 86_400_000);
    expect(c.metrics.retention.raw).toBe(14 * 86_400_000);
    // retention is never a timer: a long one is fine, up to ten years
    expect(load('metrics:\n  retention: { hour: 1000d }\n').metrics.retention.hour).toBe(1000 * 86_400_000);
    expect(problems('metrics:\n  retention: { hour: 4000d }\n')).toMatch(/at most 3650d/);
  });

  it('bounds durations in the environment too', () => {
    expect(() =>
      loadConfig({ ...env, WORKER_LOCK_DURATION: '999999h' }, { role: 'all', readFile: file('') }),
    ).toThrow(/WORKER_LOCK_DURATION/);
  });
});

describe('limits: the SSH session leases', () => {
  it('default to a 30 s lease and a 60 s wait, and take durations within their bounds', () => {
    const d = loadConfig(env, { role: 'all', readFile: file('') }).limits;
    expect(d).toMatchObject({ sessionsPerDevice: 2, sessionLeaseTtl: 30_000, sessionLeaseWait: 60_000 });
    const c = loadConfig(env, {
      role: 'all',
      readFile: file('limits:\n  sessionLeaseTtl: 10s\n  sessionLeaseWait: 2m\n'),
    }).limits;
    expect(c).toMatchObject({ sessions: 100, sessionLeaseTtl: 10_000, sessionLeaseWait: 120_000 });
    const problems = (text: string) => {
      try {
        loadConfig(env, { role: 'all', readFile: file(text) });
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(problems('limits:\n  sessionLeaseTtl: 500ms\n')).toMatch(/limits\.sessionLeaseTtl: at least 3s/);
    expect(problems('limits:\n  sessionLeaseTtl: 1h\n')).toMatch(/limits\.sessionLeaseTtl: at most 10m/);
    expect(problems('limits:\n  sessionLeaseWait: 2h\n')).toMatch(/limits\.sessionLeaseWait: at most 30m/);
  });
});
