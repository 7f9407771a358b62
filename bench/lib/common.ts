/**
 * What the benches share: a schema of their own with every migration applied (dropped at the
 * end unless BENCH_KEEP is set), timing loops and rounding, a seeded generator, and the
 * synthetic configs the search benches load. Each bench still prints one JSON object last.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { createPool, migrate, quoteIdent } from '../../src/storage/index.js';

export const DATABASE_URL =
  process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

export const r1 = (x: number) => Math.round(x * 10) / 10;
export const r2 = (x: number) => Math.round(x * 100) / 100;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A small seeded generator (numerical recipes' LCG): the same data on every run. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
}

export function logger(name: string): (...a: unknown[]) => void {
  return (...a) => console.error(`[bench/${name}]`, ...a);
}

/** Runs `fn` `runs` times; the wall times in ms, and the last result. */
export async function timed<T>(
  runs: number,
  fn: (i: number) => Promise<T>,
): Promise<{ ms: number[]; last: T }> {
  const ms: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await fn(i);
    ms.push(performance.now() - t0);
  }
  return { ms, last: last as T };
}

/** The 1-minute load average, printed with every figure: they move with it on a shared machine. */
export const load1 = () => r2(loadavg()[0]!);

/**
 * A fresh schema with every migration applied, handed to `fn` with a pool on it; dropped
 * afterwards unless BENCH_KEEP is set (the name is then logged, for EXPLAIN sessions).
 */
export async function withBenchSchema<T>(
  prefix: string,
  fn: (pool: pg.Pool, schema: string) => Promise<T>,
  options: { max?: number } = {},
): Promise<T> {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  const pool = createPool({ connectionString: DATABASE_URL, schema, max: options.max ?? 4 });
  try {
    await migrate(pool);
    return await fn(pool, schema);
  } finally {
    await pool.end();
    if (process.env.BENCH_KEEP) console.error(`[bench] kept schema ${schema}`);
    else await admin.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    await admin.end();
  }
}

/**
 * A plausible ~300-line IOS-XE config, unique per device: 48 access ports, OSPF, 20 ACLs.
 * `digits` pads the device number; `auditLines` adds what a fleet audit searches for (one
 * device in a thousand still has a read-write community; one in ten a different NTP server
 * either way).
 */
export function synthConfig(i: number, options: { digits?: number; auditLines?: boolean } = {}): string {
  const name = `dev${String(i).padStart(options.digits ?? 5, '0')}`;
  const out = [
    'version 17.9',
    `hostname ${name}`,
    '!',
    'aaa new-model',
    `ip domain name site${i % 50}.example.net`,
    '!',
  ];
  for (let p = 1; p <= 48; p++)
    out.push(
      `interface GigabitEthernet1/0/${p}`,
      ` description ${p % 7 === 0 ? 'uplink' : 'access'} port ${p} of ${name}`,
      ` switchport access vlan ${10 + (p % 5)}`,
      ' switchport mode access',
      ' spanning-tree portfast',
      '!',
    );
  out.push(
    'router ospf 1',
    ` router-id 10.${(i >> 8) & 255}.${i & 255}.1`,
    ' passive-interface default',
    '!',
  );
  for (let a = 0; a < 20; a++)
    out.push(`ip access-list extended ACL${a}`, ` permit tcp 10.${a}.0.0 0.0.255.255 any eq 22`, '!');
  if (options.auditLines && i % 1000 === 7) out.push('snmp-server community legacyRW RW');
  out.push(
    i % 10 === 0 ? 'ntp server 10.9.9.99' : 'ntp server 10.9.9.11',
    `logging host 10.9.${i % 4}.5`,
    'end',
  );
  return `${out.join('\n')}\n`;
}
