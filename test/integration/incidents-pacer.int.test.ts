import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { createPacer } from '../../src/incidents/index.js';
import { dropPrefix, freshPrefix, TEST_REDIS_URL } from '../helpers/redis.js';

const prefix = freshPrefix('pace');
const a = new Redis(TEST_REDIS_URL);
const b = new Redis(TEST_REDIS_URL);
afterAll(async () => {
  a.disconnect();
  b.disconnect();
  await dropPrefix(prefix);
});

it('two workers sharing one channel get slots at least one interval apart; another channel is not held up', async () => {
  const interval = 100;
  const p1 = createPacer(a, prefix, interval);
  const p2 = createPacer(b, prefix, interval);
  const t0 = Date.now();
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? p1 : p2).wait('C1').then(() => {
        times.push(Date.now() - t0);
      }),
    ),
  );
  times.sort((x, y) => x - y);
  // ten slots one interval apart: the last no earlier than nine intervals after the first
  expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(9 * interval - 15);
  const other = Date.now();
  await p1.wait('C2');
  expect(Date.now() - other).toBeLessThan(interval);
});
