import { withTransaction } from '../storage/tx.js';
import type { Pool, PoolClient } from 'pg';
import { ErrorCode, NetopsError } from '../errors.js';

/**
 * Fleet-wide regex search over every device's latest config.
 *
 * The regex runs inside Postgres (ARE syntax, newline-sensitive so ^ and $ are per line), under a
 * statement_timeout: Postgres' regex engine is not a backtracking one for ordinary patterns, and
 * whatever it does is bounded by the timeout, so a hostile pattern cannot stall a worker. Node never
 * evaluates the user's regex. It scans config_latest (one row per device, with the body) in parallel.
 * Measured against streaming the blobs to Node and matching there: see bench/configs.ts.
 */

export const MAX_PATTERN_LENGTH = 256;

export interface SearchOptions {
  pattern: string;
  ignoreCase?: boolean;
  /** Restrict to these device names (e.g. the inventory filtered by --devices). */
  devices?: readonly string[];
  /** Context lines around each matching line. */
  context?: number;
  /** Devices whose matching lines (with context) are returned; the rest are listed by name only. */
  detailLimit?: number;
  /** Per-line hits kept per device. */
  linesPerDevice?: number;
  timeoutMs?: number;
  /** Fleets from this size on are sampled to choose between index and scan (default 20,000). */
  sampleFrom?: number;
}

export interface SearchLine {
  /** 1-based line number. */
  n: number;
  text: string;
  match: boolean;
}

export interface SearchHit {
  device: string;
  sha256: string;
  collectedAt: Date;
  /** Present for the first `detailLimit` devices. */
  lines?: SearchLine[];
  matchCount?: number;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Devices with a latest config that does NOT match (only among `devices` when given). */
  nonMatching: string[];
  /** Devices in scope (`devices`) with no stored config at all. */
  neverBackedUp: string[];
  scanned: number;
  elapsedMs: number;
  /**
   * How the configs were found: through the trigram index (pg_trgm found trigrams every match
   * must contain) or by running the regex over every config (no usable trigrams, or no index).
   */
  method: 'trigram index' | 'full scan';
  /** Why that way, in a sentence (for logs and benchmarks). */
  plan: string;
}

/** Above this share of matching configs, the index path is slower than scanning them all. */
export const INDEX_MAX_SHARE = 0.03;
/** Fleets smaller than this are not sampled: the index path is cheap enough either way. */
const SAMPLE_FROM = 20_000;
const SAMPLE_ROWS = 1_500;

/**
 * Index or full scan. A pattern with required trigrams can still be a poor fit for the index:
 * when the trigrams are words every config has (`^ntp server 10\.9\.9\.99`), the index hands
 * back a large share of the fleet to recheck one by one, which bench/metrics measured at twice
 * the parallel full scan. On a large fleet, the regex is run over a random sample first (about
 * 1,500 configs): a share of matches above INDEX_MAX_SHARE means the scan; otherwise the index,
 * with a time budget of what the scan is estimated to cost (the sample's time scaled up), after
 * which the scan takes over.
 */
async function choosePlan(
  c: PoolClient,
  re: string,
  pattern: string,
  scope: string[] | null,
  timeoutMs: number,
  sampleFrom: number,
): Promise<{ index: boolean; budgetMs?: number; reason: string }> {
  if (!hasRequiredTrigrams(pattern)) return { index: false, reason: 'the pattern has no required trigrams' };
  const { rows } = await c.query<{ n: number }>(
    "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'config_latest'::regclass",
  );
  const total = scope ? Math.min(scope.length, rows[0]?.n ?? 0) : (rows[0]?.n ?? 0);
  if (total < sampleFrom) return { index: true, reason: 'the pattern has required trigrams' };
  const percent = Math.min(100, (100 * SAMPLE_ROWS) / total);
  const t0 = performance.now();
  const sample = await c.query<{ n: number; hits: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE body ~ $1)::int AS hits
       FROM config_latest TABLESAMPLE BERNOULLI (${percent.toFixed(4)}) ${scope ? 'WHERE device = ANY($2)' : ''}`,
    scope ? [re, scope] : [re],
  );
  const ms = performance.now() - t0;
  const { n, hits } = sample.rows[0] ?? { n: 0, hits: 0 };
  if (!n) return { index: true, reason: 'the pattern has required trigrams (empty sample)' };
  const share = hits / n;
  const pct = `${(share * 100).toFixed(1)}% of a ${n}-config sample matched`;
  if (share > INDEX_MAX_SHARE) return { index: false, reason: `${pct}: scanning every config is cheaper` };
  // the scan runs on the leader and two workers; the budget is what it would take, at least 100 ms
  const budgetMs = Math.min(timeoutMs, Math.max(100, (ms * (total / n)) / 3));
  return { index: true, budgetMs, reason: `${pct}: the trigram index` };
}

/** Embedded-option prefix: newline-sensitive (per-line ^/$), plus i when asked. Merges a user's own (?i). */
export function toPostgresRegex(pattern: string, ignoreCase = false): string {
  const p = pattern.trim();
  if (!p) throw badRegex(pattern, 'the pattern is empty');
  if (p.length > MAX_PATTERN_LENGTH)
    throw badRegex(pattern, `it is longer than ${MAX_PATTERN_LENGTH} characters`);
  const own = /^\(\?([a-z]+)\)/.exec(p);
  const flags = new Set(['n', ...(ignoreCase ? ['i'] : []), ...(own ? own[1]!.split('') : [])]);
  // `***=` (literal) / `***:` director prefixes must stay in front, so leave them alone.
  if (p.startsWith('***')) return p;
  return `(?${[...flags].join('')})${own ? p.slice(own[0].length) : p}`;
}

/**
 * Whether a match must contain a run of three word characters that pg_trgm can turn into index
 * trigrams: a literal at the top level of the pattern, not inside a group, a class or one side
 * of an alternation, and not made optional by a quantifier. Conservative: a pattern it rejects
 * may still have trigrams, it is then only searched the slow way. Why not let the planner
 * decide: config bodies are TOASTed, so the table looks tiny to it and the regex looks free, and
 * it picks the full scan at any fleet size.
 */
export function hasRequiredTrigrams(pattern: string): boolean {
  let p = pattern.trim();
  if (p.startsWith('***=')) return /[A-Za-z0-9_]{3}/.test(p.slice(4));
  if (p.startsWith('***:')) p = p.slice(4);
  p = p.replace(/^\(\?[a-z]+\)/, '');
  let depth = 0;
  let run = 0;
  let best = 0;
  const end = () => {
    best = Math.max(best, run);
    run = 0;
  };
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    const next = p[i + 1] ?? '';
    const optional = next === '?' || next === '*' || (next === '{' && /^\{0[,}]/.test(p.slice(i + 1)));
    if (c === '\\') {
      // \S, \d, \. …: a class or a non-word character either way
      end();
      i++;
      continue;
    }
    if (c === '[') {
      end();
      const close = p.indexOf(']', i + 2);
      if (close < 0) return false;
      i = close;
      continue;
    }
    if (c === '(') {
      end();
      depth++;
      continue;
    }
    if (c === ')') {
      depth--;
      continue;
    }
    if (c === '|' && depth === 0) return false;
    if (depth > 0) continue;
    if (/[A-Za-z0-9_]/.test(c)) {
      if (optional) {
        end();
        continue;
      }
      run++;
      if (next === '+' || next === '{') end();
    } else end();
  }
  end();
  return best >= 3;
}

function badRegex(pattern: string, why: string, cause?: unknown): NetopsError {
  return new NetopsError(ErrorCode.BAD_ARGS, `bad regex ${pattern}: ${why}`, {
    cause,
    userMessage: `\`${pattern}\` is not a usable regular expression: ${why}.`,
    hint: 'Patterns use POSIX/ARE syntax (\\d, \\s, [[:alpha:]], (?i) for case-insensitive); quote patterns with spaces.',
  });
}

/** Maps Postgres regex errors and timeouts to messages a user can act on. */
export function searchError(pattern: string, err: unknown, timeoutMs: number): unknown {
  const code = (err as { code?: string }).code;
  const msg = (err as Error).message ?? '';
  if (code === '2201B' || /invalid regular expression/i.test(msg)) {
    return badRegex(pattern, msg.replace(/^invalid regular expression:\s*/i, ''), err);
  }
  if (code === '57014') {
    return new NetopsError(ErrorCode.BAD_ARGS, `regex search timed out: ${pattern}`, {
      cause: err,
      userMessage: `The search for \`${pattern}\` took longer than ${Math.round(timeoutMs / 1000)} s and was stopped.`,
      hint: 'Make the pattern more specific (anchor it with ^, avoid nested repetition like (a+)+), or narrow it with --devices.',
    });
  }
  return err;
}

function withTimeout<T>(pool: Pool, timeoutMs: number, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, fn, {
    readOnly: true,
    settings: { statement_timeout: Math.max(100, Math.floor(timeoutMs)) },
  });
}

/** 0-based indices of lines matching `re` (Postgres regex) in each listed device's latest config. */
async function matchingLines(
  c: PoolClient,
  re: string,
  devices: readonly string[],
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (!devices.length) return out;
  const { rows } = await c.query<{ device: string; n: number }>(
    `SELECT c.device, (l.n - 1)::int AS n
       FROM config_latest c, regexp_split_to_table(c.body, E'\\n') WITH ORDINALITY AS l(line, n)
      WHERE c.device = ANY($2) AND l.line ~ $1
      ORDER BY 1, 2`,
    [re, devices],
  );
  for (const r of rows) {
    const list = out.get(r.device) ?? [];
    list.push(r.n);
    out.set(r.device, list);
  }
  return out;
}

/** Lines to show: each hit with `context` lines around it, capped at `limit` hits. */
export function withContext(
  body: string,
  hits: readonly number[],
  context: number,
  limit: number,
): SearchLine[] {
  const lines = body.split('\n');
  const keep = new Map<number, boolean>();
  for (const h of hits.slice(0, limit)) {
    for (let i = Math.max(0, h - context); i <= Math.min(lines.length - 1, h + context); i++) {
      if (!keep.has(i)) keep.set(i, false);
    }
    keep.set(h, true);
  }
  return [...keep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, match]) => ({ n: i + 1, text: lines[i] ?? '', match }));
}

export async function searchConfigs(pool: Pool, options: SearchOptions): Promise<SearchResult> {
  const started = performance.now();
  const re = toPostgresRegex(options.pattern, options.ignoreCase);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const detailLimit = options.detailLimit ?? 100;
  const context = Math.min(Math.max(options.context ?? 0, 0), 20);
  const scope = options.devices ? [...options.devices] : null;
  try {
    return await withTimeout(pool, timeoutMs, async (c) => {
      // Bodies are compressed, so the heap looks tiny to the planner and it would never go parallel;
      // the regex is the expensive part and splits across workers well.
      await c.query('SET LOCAL parallel_setup_cost = 0');
      await c.query('SET LOCAL min_parallel_table_scan_size = 0');
      // The regex as a WHERE filter (not a selected boolean) so the workers return only the matches.
      const matchSql = `SELECT device FROM config_latest WHERE body ~ $1 ${scope ? 'AND device = ANY($2)' : ''}`;
      const params = scope ? [re, scope] : [re];
      const choice = await choosePlan(
        c,
        re,
        options.pattern,
        scope,
        timeoutMs,
        options.sampleFrom ?? SAMPLE_FROM,
      );
      let method: SearchResult['method'] = 'full scan';
      let plan = choice.reason;
      let matched: { device: string }[] | undefined;
      if (choice.index) {
        // the index path, bounded: if it runs past what the full scan is estimated to cost, it
        // was the wrong plan (many configs hold the pattern's trigrams) and the scan finishes
        await c.query('SAVEPOINT trgm');
        await c.query('SET LOCAL enable_seqscan = off');
        if (choice.budgetMs) await c.query(`SET LOCAL statement_timeout = ${Math.ceil(choice.budgetMs)}`);
        try {
          const p = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${matchSql}`, params);
          if (p.rows.some((r) => /config_latest_body_trgm/.test(r['QUERY PLAN']))) {
            matched = (await c.query<{ device: string }>(matchSql, params)).rows;
            method = 'trigram index';
          } else plan = 'the planner found no usable index (pg_trgm missing?)';
          await c.query('RELEASE SAVEPOINT trgm');
        } catch (err) {
          if ((err as { code?: string }).code !== '57014' || !choice.budgetMs) throw err;
          await c.query('ROLLBACK TO SAVEPOINT trgm');
          plan = `the trigram index ran past its budget of ${Math.round(choice.budgetMs)} ms (many configs hold the pattern's trigrams)`;
        }
        await c.query(`SET LOCAL statement_timeout = ${Math.max(100, Math.floor(timeoutMs))}`);
      }
      if (!matched) {
        await c.query('SET LOCAL enable_seqscan = on');
        matched = (await c.query<{ device: string }>(matchSql, params)).rows;
      }
      await c.query('SET LOCAL enable_seqscan = on');
      const { rows: latest } = await c.query<{ device: string; sha256: string; collected_at: Date }>(
        `SELECT device, sha256, collected_at FROM config_latest ${scope ? 'WHERE device = ANY($1)' : ''}`,
        scope ? [scope] : [],
      );
      latest.sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
      const hitSet = new Set(matched.map((r) => r.device));
      const hits: SearchHit[] = [];
      const nonMatching: string[] = [];
      for (const r of latest) {
        if (hitSet.has(r.device))
          hits.push({ device: r.device, sha256: r.sha256, collectedAt: r.collected_at });
        else nonMatching.push(r.device);
      }
      const detailed = hits.slice(0, detailLimit);
      if (detailed.length) {
        const names = detailed.map((h) => h.device);
        const lineHits = await matchingLines(c, re, names);
        const { rows: bodies } = await c.query<{ device: string; body: string }>(
          'SELECT device, body FROM config_latest WHERE device = ANY($1)',
          [names],
        );
        const bodyOf = new Map(bodies.map((b) => [b.device, b.body]));
        for (const h of detailed) {
          const idx = lineHits.get(h.device) ?? [];
          h.matchCount = idx.length;
          h.lines = withContext(bodyOf.get(h.device) ?? '', idx, context, options.linesPerDevice ?? 20);
        }
      }
      const have = new Set(latest.map((r) => r.device));
      const neverBackedUp = scope ? scope.filter((d) => !have.has(d)).sort() : [];
      return {
        hits,
        nonMatching,
        neverBackedUp,
        scanned: latest.length,
        elapsedMs: performance.now() - started,
        method,
        plan,
      };
    });
  } catch (err) {
    throw searchError(options.pattern, err, timeoutMs);
  }
}

/** 0-based numbers of the lines of one stored blob matching `pattern` (Postgres regex, time-limited). */
export async function matchBlobLines(
  pool: Pool,
  sha256: string,
  pattern: string,
  options: { ignoreCase?: boolean; timeoutMs?: number } = {},
): Promise<Set<number>> {
  const re = toPostgresRegex(pattern, options.ignoreCase);
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    return await withTimeout(pool, timeoutMs, async (c) => {
      const { rows } = await c.query<{ n: number }>(
        `SELECT (l.n - 1)::int AS n
           FROM config_blobs b, regexp_split_to_table(b.body, E'\\n') WITH ORDINALITY AS l(line, n)
          WHERE b.sha256 = $2 AND l.line ~ $1`,
        [re, sha256],
      );
      return new Set(rows.map((r) => r.n));
    });
  } catch (err) {
    throw searchError(pattern, err, timeoutMs);
  }
}
