import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { redisPrefix } from '../../../src/redis.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 's', NETOPS_CONFIG: 'netops.yaml' };
const load = (env: Record<string, string>, yaml = 'devices: []\n') =>
  loadConfig({ ...base, ...env }, { role: 'all', readFile: () => yaml });
const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    return (err as { context: { problems: string[] } }).context.problems;
  }
  throw new Error('expected a configuration error');
};

describe('redis configuration', () => {
  it('defaults to one local server and keeps the prefix as given', () => {
    const c = load({});
    expect(c.redis).toEqual({ mode: 'standalone', url: 'redis://127.0.0.1:6379', prefix: 'netops' });
  });

  it('reads a Cluster from netops.yaml and hash-tags the prefix', () => {
    const c = load(
      { NETOPS_QUEUE_PREFIX: 'prod' },
      'redis:\n  cluster: [10.0.0.5:7000, { host: 10.0.0.6, port: 7001 }]\n',
    );
    expect(c.redis).toEqual({
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.5', port: 7000 },
        { host: '10.0.0.6', port: 7001 },
      ],
      prefix: '{prod}',
    });
  });

  it('keeps a prefix that already carries a hash tag', () => {
    const c = load({ NETOPS_QUEUE_PREFIX: 'site-{netops}', REDIS_CLUSTER_NODES: '127.0.0.1:7000' });
    expect(c.redis.prefix).toBe('site-{netops}');
    expect(redisPrefix('a', { mode: 'standalone', url: 'redis://x' })).toBe('a');
  });

  it('reads Sentinel from the environment over the file, with credentials from the environment', () => {
    const c = load(
      {
        REDIS_SENTINELS: '10.0.0.1:26379, [::1]:26380',
        REDIS_SENTINEL_NAME: 'netops-master',
        REDIS_PASSWORD: 'from-env',
      },
      'redis: { url: "redis://10.9.9.9:6379" }\n',
    );
    expect(c.redis).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'netops-master',
      password: 'from-env',
      prefix: 'netops',
    });
  });

  it('refuses two ways to Redis in the environment, a sentinel list without a name, and bad addresses', () => {
    expect(problems(() => load({ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:2' })).join('\n')).toMatch(
      /REDIS_URL, REDIS_CLUSTER_NODES: set only one/,
    );
    const p = problems(() => load({ REDIS_SENTINELS: 'a:1,b' }));
    expect(p.join('\n')).toMatch(/REDIS_SENTINELS: "b" is not host:port/);
    expect(p.join('\n')).toMatch(/REDIS_SENTINEL_NAME: required/);
    expect(problems(() => load({}, 'redis: { sentinels: [a:1] }\n')).join('\n')).toMatch(/redis/);
    expect(problems(() => load({ NETOPS_QUEUE_PREFIX: 'a{b}{c}' })).join('\n')).toMatch(
      /NETOPS_QUEUE_PREFIX: .*hash tag/,
    );
  });
});
