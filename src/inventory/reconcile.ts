import { type FSWatcher, watch } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { type Device, type FileConfig, parseFileConfig } from '../config.js';
import { backupSchedules } from '../configs/schedules.js';
import type { DesiredSchedule, ReconcileSchedulesResult, Scheduler } from '../queue/index.js';
import type { Responder } from '../chat/index.js';
import type { Inventory } from './inventory.js';

export interface ReconcilerOptions {
  /** netops.yaml */
  path: string;
  inventory: Inventory;
  pool: Pool;
  scheduler: Scheduler;
  responder?: Responder;
  /** Where summaries and problems go; defaults to channels.ops of the file. */
  opsChannel?: string;
  /** Prometheus file_sd targets file (for snmp_exporter); omitted → not written. */
  fileSdPath?: string;
  /** Periodic re-read even without a file event; defaults to schedules.reconcile.every. */
  intervalMs?: number;
  /** Every this long a maintenance job (rollups, partitions, retention) runs; 0 disables. */
  maintenanceEveryMs?: number;
  log?: Logger;
  readText?: (path: string) => Promise<string>;
}

export interface ReconcileReport {
  ok: boolean;
  problems: string[];
  devices: { added: string[]; removed: string[]; changed: string[] };
  schedules?: ReconcileSchedulesResult;
  fileSd?: { written: boolean; targets: number };
}

export interface Reconciler {
  /** One pass: read the file, apply it everywhere. Concurrent calls share one pass. */
  runOnce(): Promise<ReconcileReport>;
  /** Watches the file and re-reads periodically. */
  start(): void;
  stop(): Promise<void>;
  /** The last inventory file that parsed. */
  lastGood(): FileConfig | undefined;
}

/** FNV-1a → phase within a period, stable per device on every worker. */
function phase(name: string, period: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % Math.max(1, period);
}

/** Every schedule the inventory implies: SNMP polls (jobs mode), config backups, and metrics maintenance. */
export function desiredSchedules(
  cfg: FileConfig,
  options: { maintenanceEveryMs?: number } = {},
): DesiredSchedule[] {
  const enabled = cfg.devices.filter((d) => d.enabled);
  const every = cfg.schedules.poll.every;
  // In rounds mode (the default) the worker holding the poll lease polls the fleet itself
  // (src/snmp/round-loop.ts): no per-device schedules, and any left from jobs mode are removed.
  const out: DesiredSchedule[] = enabled
    .filter((d) => d.snmp && cfg.schedules.poll.mode === 'jobs')
    .map((d) => ({
      id: `poll:${d.name}`,
      jobName: 'snmp.poll',
      data: { device: d.name },
      every,
      offsetMs: phase(d.name, every),
    }));
  for (const b of backupSchedules(enabled, {
    every: cfg.schedules.backup.every,
    jitter: cfg.schedules.backup.jitter,
  })) {
    out.push({ id: b.id, jobName: b.jobName, data: b.data, every: b.every, offsetMs: b.offsetMs });
  }
  const maint = options.maintenanceEveryMs ?? 300_000;
  if (maint > 0) out.push({ id: 'maint:snmp.rollup', jobName: 'snmp.rollup', data: {}, every: maint });
  // Config history thinning (keep-all, then daily, then weekly) once a day.
  out.push({
    id: 'maint:config.retention',
    jobName: 'config.retention',
    data: {},
    every: 86_400_000,
    offsetMs: 3 * 3_600_000,
  });
  return out;
}

/** Prometheus file_sd: one target group per SNMP-enabled device, labelled for dashboards. */
export function fileSdTargets(devices: readonly Device[]): unknown[] {
  return devices
    .filter((d) => d.enabled && d.snmp)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => ({
      targets: [`${d.host}:${d.snmp!.port}`],
      labels: {
        device: d.name,
        vendor: d.vendor,
        site: d.site ?? '',
        role: d.role ?? '',
        // ",a,b," so a relabel regex can match one tag with `.*,a,.*`
        tags: d.tags.length ? `,${d.tags.join(',')},` : '',
        // snmp_exporter's auth name is our credential name (a name, never a secret)
        __param_auth: d.snmp!.credential,
        __param_module: 'if_mib',
      },
    }));
}

/** Writes only when the content changed, through tmp + rename so Prometheus never reads half a file. */
export async function writeAtomic(path: string, content: string): Promise<boolean> {
  const old = await readFile(path, 'utf8').catch(() => undefined);
  if (old === content) return false;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  await writeFile(tmp, content);
  await rename(tmp, path);
  return true;
}

/** JSON with sorted keys: jsonb hands objects back in its own key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function rowOf(d: Device) {
  const { name, vendor, host, port, site, role, tags, ...rest } = d;
  return {
    name,
    vendor,
    host,
    port,
    site: site ?? null,
    role: role ?? null,
    tags,
    attrs: JSON.stringify(rest),
  };
}

/**
 * Brings the `devices` table to `devices` and returns what changed. Runs under a transaction-level
 * advisory lock, so when several workers reconcile the same file, exactly one of them sees (and
 * announces) each change.
 */
export async function syncDevicesTable(
  pool: Pool,
  devices: readonly Device[],
): Promise<ReconcileReport['devices']> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('netops-reconcile:' || current_schema()))");
    const { rows } = await client.query(
      'SELECT name, vendor, host, port, site, role, tags, attrs FROM devices',
    );
    const have = new Map(rows.map((r) => [r.name as string, r] as const));
    const diff = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
    const want = devices.map(rowOf);
    for (const w of want) {
      const h = have.get(w.name);
      if (!h) diff.added.push(w.name);
      else if (
        h.vendor !== w.vendor ||
        h.host !== w.host ||
        h.port !== w.port ||
        h.site !== w.site ||
        h.role !== w.role ||
        JSON.stringify(h.tags) !== JSON.stringify(w.tags) ||
        canonical(h.attrs) !== canonical(JSON.parse(w.attrs))
      )
        diff.changed.push(w.name);
    }
    const names = new Set(want.map((w) => w.name));
    for (const name of have.keys()) if (!names.has(name)) diff.removed.push(name);
    if (diff.removed.length) await client.query('DELETE FROM devices WHERE name = ANY($1)', [diff.removed]);
    for (const w of want.filter((x) => diff.added.includes(x.name) || diff.changed.includes(x.name))) {
      await client.query(
        `INSERT INTO devices (name, vendor, host, port, site, role, tags, attrs) VALUES ($1,$2,$3,$4,$5,$6,$7,$8::jsonb)
         ON CONFLICT (name) DO UPDATE SET vendor = EXCLUDED.vendor, host = EXCLUDED.host, port = EXCLUDED.port, site = EXCLUDED.site,
           role = EXCLUDED.role, tags = EXCLUDED.tags, attrs = EXCLUDED.attrs, updated_at = now()`,
        [w.name, w.vendor, w.host, w.port, w.site, w.role, w.tags, w.attrs],
      );
    }
    await client.query('COMMIT');
    return diff;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export function summaryText(d: ReconcileReport['devices']): string {
  const parts = [`+${d.added.length} −${d.removed.length} devices`];
  if (d.changed.length) parts.push(`${d.changed.length} changed`);
  const names = [
    ...d.added.map((n) => `+${n}`),
    ...d.removed.map((n) => `−${n}`),
    ...d.changed.map((n) => `~${n}`),
  ];
  const shown = names.slice(0, 20).join(' ');
  return `monitoring updated: ${parts.join(', ')}${names.length ? ` (${shown}${names.length > 20 ? ` and ${names.length - 20} more` : ''})` : ''}`;
}

/**
 * Keeps polling, backups and exported targets in step with netops.yaml: on every file change (and
 * every interval, in case an event was missed) it validates the file, swaps the in-memory
 * inventory, syncs the devices table, reconciles BullMQ schedulers and the file_sd file, and tells
 * the ops channel. An invalid file changes nothing: the last good inventory stays, and the problems
 * are posted once.
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  const log = options.log;
  const readText = options.readText ?? ((p: string) => readFile(p, 'utf8'));
  let good: FileConfig | undefined;
  let lastProblems = '';
  let running: Promise<ReconcileReport> | undefined;
  let again = false;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let stopped = false;

  const post = async (cfg: FileConfig | undefined, text: string) => {
    const channel = options.opsChannel ?? cfg?.channels.ops;
    if (!channel || !options.responder) return;
    try {
      await options.responder.post({ channel }, { text });
    } catch (err) {
      log?.warn({ err }, 'could not post the reconcile summary');
    }
  };

  async function pass(): Promise<ReconcileReport> {
    const empty = { added: [], removed: [], changed: [] };
    let text: string;
    try {
      text = await readText(options.path);
    } catch (err) {
      const problems = [
        `${options.path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      ];
      return report(problems, empty);
    }
    const parsed = parseFileConfig(text, options.path);
    if (!parsed.config) return report(parsed.problems, empty);
    const cfg = parsed.config;
    good = cfg;
    lastProblems = '';
    options.inventory.replace(cfg.devices);
    const devices = await syncDevicesTable(options.pool, cfg.devices);
    const schedules = await options.scheduler.reconcile(
      desiredSchedules(cfg, { maintenanceEveryMs: options.maintenanceEveryMs }),
    );
    let fileSd: ReconcileReport['fileSd'];
    if (options.fileSdPath) {
      const targets = fileSdTargets(cfg.devices);
      fileSd = {
        written: await writeAtomic(options.fileSdPath, `${JSON.stringify(targets, null, 2)}\n`),
        targets: targets.length,
      };
    }
    if (devices.added.length || devices.removed.length || devices.changed.length) {
      log?.info({ devices, schedules }, 'inventory reconciled');
      await post(cfg, summaryText(devices));
    }
    return { ok: true, problems: [], devices, schedules, ...(fileSd ? { fileSd } : {}) };
  }

  async function report(problems: string[], devices: ReconcileReport['devices']): Promise<ReconcileReport> {
    const key = problems.join('\n');
    if (key !== lastProblems) {
      lastProblems = key;
      log?.warn({ problems }, 'inventory file rejected; keeping the last good one');
      await post(
        good,
        `:warning: ${options.path} has ${problems.length} problem(s); monitoring keeps the last good inventory${good ? ` (${good.devices.length} devices)` : ''}:\n${problems.map((p) => `• ${p}`).join('\n')}`,
      );
    }
    return { ok: false, problems, devices };
  }

  const runOnce = (): Promise<ReconcileReport> => {
    if (running) {
      again = true;
      return running;
    }
    running = pass().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        void runOnce().catch((err) => log?.error({ err }, 'reconcile failed'));
      }
    });
    return running;
  };

  const kick = () => {
    if (stopped) return;
    clearTimeout(debounce);
    // editors write in several steps (truncate, write, rename): settle first
    debounce = setTimeout(() => void runOnce().catch((err) => log?.error({ err }, 'reconcile failed')), 150);
  };

  return {
    runOnce,
    lastGood: () => good,
    start() {
      stopped = false;
      // Watch the directory, not the file: a save-by-rename replaces the inode a file watch holds.
      try {
        watcher = watch(dirname(options.path), (_event, file) => {
          if (!file || file === basename(options.path)) kick();
        });
        watcher.on('error', (err) =>
          log?.warn({ err }, 'inventory watch failed; relying on the periodic re-read'),
        );
      } catch (err) {
        log?.warn({ err }, 'cannot watch the inventory file; relying on the periodic re-read');
      }
      const every = options.intervalMs ?? good?.schedules.reconcile.every ?? 30_000;
      timer = setInterval(kick, every);
      timer.unref();
      kick();
    },
    async stop() {
      stopped = true;
      watcher?.close();
      clearInterval(timer);
      clearTimeout(debounce);
      await running?.catch(() => {});
    },
  };
}
