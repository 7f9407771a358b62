import type { CredentialResolver } from '../credentials/index.js';
import snmp, { type Session, type Varbind } from 'net-snmp';
import type { Device } from '../config.js';
import { ErrorCode, NetopsError } from '../errors.js';
import { type CounterName, type DeviceReading, type InterfaceReading, toCounter } from './counters.js';
import { type SnmpCredential, resolveSnmpCredential } from './credentials.js';
import { ADMIN_STATUS, HOST_RESOURCES, IF_COLUMNS, OPER_STATUS, SYS, UCD } from './oids.js';
import { type BulkWalkResult, bulkWalk } from './walk.js';

export interface PolledInterface extends InterfaceReading {
  name: string;
  alias?: string;
  operStatus?: string;
  adminStatus?: string;
}

export interface PollResult extends DeviceReading {
  status: 'ok';
  device: string;
  interfaces: PolledInterface[];
  cpuPct?: number;
  memPct?: number;
  pollMs: number;
  requests: number;
  /** Set when the poll took longer than the interval it runs on: the next one is already due. */
  overrun?: { intervalMs: number; pollMs: number };
}

export type PollOutcome = PollResult | { status: 'skipped'; device: string; reason: string };

export interface PollOptions {
  /** The schedule's interval; a poll longer than this is reported as an overrun. */
  intervalMs?: number;
  signal?: AbortSignal;
}

export interface Poller {
  poll(device: Device, options?: PollOptions): Promise<PollOutcome>;
  /** Closes every cached session (their UDP sockets). */
  close(): void;
}

export interface PollerOptions {
  /** Where credential names become secrets (the one resolver the composition root builds). */
  credentials: CredentialResolver;
  clock?: () => number;
  createSession?: (
    host: string,
    credential: SnmpCredential,
    options: import('net-snmp').SessionOptions,
  ) => Session;
  /**
   * Varbinds asked per GetBulk response (default 1,000: a 48-port device's 18 columns in one
   * request). RFC 3416 agents trim a response that would not fit their message size, and the
   * walk goes on from where it stopped; an agent that answers tooBig instead gets half as many
   * next time (remembered per device).
   */
  maxVarbinds?: number;
  /** How long to trust "this device has no HOST-RESOURCES / 64-bit counters" before asking again. */
  reprobeMs?: number;
}

const HC_COLUMNS = [
  'ifHCInOctets',
  'ifHCOutOctets',
  'ifHCInUcastPkts',
  'ifHCOutUcastPkts',
  'ifHighSpeed',
] as const;
const LEGACY_COLUMNS = [
  'ifInOctets',
  'ifOutOctets',
  'ifInUcastPkts',
  'ifOutUcastPkts',
  'ifSpeed',
  'ifDescr',
] as const;
const COMMON_COLUMNS = [
  'ifName',
  'ifAlias',
  'ifOperStatus',
  'ifAdminStatus',
  'ifInErrors',
  'ifOutErrors',
  'ifInDiscards',
  'ifOutDiscards',
  'ifCounterDiscontinuityTime',
] as const;
const HR_COLUMNS = [
  HOST_RESOURCES.hrProcessorLoad,
  HOST_RESOURCES.hrStorageType,
  HOST_RESOURCES.hrStorageSize,
  HOST_RESOURCES.hrStorageUsed,
];
const SYS_UPTIME = SYS.upTime.replace(/\.0$/, '');
const UCD_SCALARS = [UCD.ssCpuIdle, UCD.memTotalReal, UCD.memAvailReal];

interface Capabilities {
  hc: boolean;
  hr: boolean;
  ucd: boolean;
  checkedAt: number;
}

function defaultSession(
  host: string,
  cred: SnmpCredential,
  options: import('net-snmp').SessionOptions,
): Session {
  const s =
    cred.version === '2c'
      ? snmp.createSession(host, cred.community, { ...options, version: snmp.Version2c })
      : snmp.createV3Session(host, cred.user, { ...options, version: snmp.Version3 });
  // A socket error must fail the poll in flight, not crash the worker.
  s.on('error', () => {});
  return s;
}

const num = (vb: Varbind | undefined): number | undefined =>
  typeof vb?.value === 'number' ? vb.value : undefined;
const str = (vb: Varbind | undefined): string | undefined =>
  Buffer.isBuffer(vb?.value)
    ? vb.value.toString('utf8')
    : typeof vb?.value === 'string'
      ? vb.value
      : undefined;

const COUNTER_COLUMNS: Record<CounterName, [hc: string, legacy: string]> = {
  inOctets: ['ifHCInOctets', 'ifInOctets'],
  outOctets: ['ifHCOutOctets', 'ifOutOctets'],
  inPkts: ['ifHCInUcastPkts', 'ifInUcastPkts'],
  outPkts: ['ifHCOutUcastPkts', 'ifOutUcastPkts'],
  inErrors: ['ifInErrors', 'ifInErrors'],
  outErrors: ['ifOutErrors', 'ifOutErrors'],
  inDiscards: ['ifInDiscards', 'ifInDiscards'],
  outDiscards: ['ifOutDiscards', 'ifOutDiscards'],
};

/** Turns walked columns into interfaces. Pure; exported for tests. */
export function buildInterfaces(columns: Map<string, Map<string, Varbind>>, hc: boolean): PolledInterface[] {
  const none = new Map<string, Varbind>();
  const col = (name: keyof typeof IF_COLUMNS) => columns.get(IF_COLUMNS[name]) ?? none;
  const counterCols = (Object.entries(COUNTER_COLUMNS) as [CounterName, [string, string]][]).map(
    ([name, [h, l]]) => [name, col((hc ? h : l) as keyof typeof IF_COLUMNS)] as const,
  );
  const highSpeed = col('ifHighSpeed');
  const ifSpeed = col('ifSpeed');
  const operCol = col('ifOperStatus');
  const adminCol = col('ifAdminStatus');
  const aliasCol = col('ifAlias');
  const nameCol = col('ifName');
  const descrCol = col('ifDescr');
  const discCol = col('ifCounterDiscontinuityTime');
  const indexes = new Set<string>();
  for (const c of [nameCol, descrCol, operCol]) for (const k of c.keys()) indexes.add(k);
  const out: PolledInterface[] = [];
  for (const idx of [...indexes].sort((a, b) => Number(a) - Number(b))) {
    const ifIndex = Number(idx);
    if (!Number.isInteger(ifIndex)) continue;
    const high = num(highSpeed.get(idx));
    const low = num(ifSpeed.get(idx));
    const speedBps = high && high > 0 ? high * 1e6 : low && low > 0 && low < 4294967295 ? low : undefined;
    const counters: InterfaceReading['counters'] = {};
    for (const [name, c] of counterCols) {
      const v = toCounter(c.get(idx)?.value);
      if (v !== undefined) counters[name] = v;
    }
    const oper = num(operCol.get(idx));
    const admin = num(adminCol.get(idx));
    const alias = str(aliasCol.get(idx));
    out.push({
      ifIndex,
      name: str(nameCol.get(idx)) || str(descrCol.get(idx)) || `ifIndex ${ifIndex}`,
      ...(alias ? { alias } : {}),
      ...(speedBps ? { speedBps } : {}),
      ...(oper !== undefined ? { operStatus: OPER_STATUS[oper] ?? String(oper) } : {}),
      ...(admin !== undefined ? { adminStatus: ADMIN_STATUS[admin] ?? String(admin) } : {}),
      discontinuity: num(discCol.get(idx)) ?? 0,
      hc,
      counters,
    });
  }
  return out;
}

/** CPU and memory from HOST-RESOURCES (preferred for CPU) or UCD-SNMP (preferred for memory: it excludes cache). */
export function deviceGauges(walk: BulkWalkResult): { cpuPct?: number; memPct?: number } {
  const out: { cpuPct?: number; memPct?: number } = {};
  const loads = [...(walk.columns.get(HOST_RESOURCES.hrProcessorLoad)?.values() ?? [])]
    .map(num)
    .filter((v) => v !== undefined);
  const idle = num(walk.scalars.get(UCD.ssCpuIdle));
  if (loads.length) out.cpuPct = loads.reduce((a, b) => a + b, 0) / loads.length;
  else if (idle !== undefined) out.cpuPct = 100 - idle;
  const total = num(walk.scalars.get(UCD.memTotalReal));
  const avail = num(walk.scalars.get(UCD.memAvailReal));
  if (total && avail !== undefined) out.memPct = (100 * (total - avail)) / total;
  else {
    const types = walk.columns.get(HOST_RESOURCES.hrStorageType) ?? new Map();
    for (const [idx, vb] of types) {
      if (vb.value !== HOST_RESOURCES.hrStorageRam) continue;
      const size = num(walk.columns.get(HOST_RESOURCES.hrStorageSize)?.get(idx));
      const used = num(walk.columns.get(HOST_RESOURCES.hrStorageUsed)?.get(idx));
      if (size && used !== undefined) out.memPct = (100 * used) / size;
      break;
    }
  }
  return out;
}

export function snmpError(device: Device, err: unknown): NetopsError {
  if (err instanceof NetopsError) return err;
  const where = `${device.host}:${device.snmp?.port ?? 161}`;
  const timedOut =
    err instanceof snmp.RequestTimedOutError || /timed? ?out/i.test((err as Error)?.message ?? '');
  return timedOut
    ? new NetopsError(ErrorCode.SNMP_TIMEOUT, `SNMP request to ${device.name} (${where}) timed out`, {
        cause: err,
        context: { device: device.name },
        userMessage: `\`${device.name}\` did not answer SNMP at ${where}.`,
        hint: 'Check that it is up, that its SNMP ACL allows the worker, and the credential (a wrong community looks like a timeout).',
      })
    : new NetopsError(
        ErrorCode.SNMP_ERROR,
        `SNMP error from ${device.name} (${where}): ${(err as Error)?.message}`,
        {
          cause: err,
          context: { device: device.name },
          userMessage: `\`${device.name}\` answered SNMP with an error: ${(err as Error)?.message}.`,
          hint: 'Check the SNMP view/credential configured on the device.',
        },
      );
}

export function createPoller(options: PollerOptions): Poller {
  const clock = options.clock ?? Date.now;
  const makeSession = options.createSession ?? defaultSession;
  const sessions = new Map<string, { key: string; session: Session }>();
  const caps = new Map<string, Capabilities>();
  const reprobeMs = options.reprobeMs ?? 3_600_000;
  const maxVarbinds = options.maxVarbinds ?? 1_000;
  /** Per device, when an agent said tooBig to the default. */
  const budgets = new Map<string, number>();

  function sessionFor(device: Device): Session {
    const s = device.snmp!;
    const cred = resolveSnmpCredential(s.credential, s.version, options.credentials);
    // The key holds no secret in clear: it only has to change when the credential does.
    const key = JSON.stringify([
      device.host,
      s.port,
      s.version,
      s.timeoutMs,
      s.retries,
      s.credential,
      hashCred(cred),
    ]);
    const cached = sessions.get(device.name);
    if (cached?.key === key) return cached.session;
    cached?.session.close();
    const session = makeSession(device.host, cred, {
      port: s.port,
      timeout: s.timeoutMs,
      retries: s.retries,
      backoff: 1,
    });
    sessions.set(device.name, { key, session });
    return session;
  }

  async function walkOnce(session: Session, cap: Capabilities | undefined, device: Device) {
    const hc = cap?.hc ?? true;
    const cols = [...COMMON_COLUMNS, ...(hc ? HC_COLUMNS : LEGACY_COLUMNS)].map((c) => IF_COLUMNS[c]);
    const hr = cap ? cap.hr : true;
    const scalars = [SYS_UPTIME, ...(cap && !cap.ucd ? [] : UCD_SCALARS)];
    const budget = budgets.get(device.name) ?? maxVarbinds;
    let walk: BulkWalkResult;
    try {
      walk = await bulkWalk(session, [...cols, ...(hr ? HR_COLUMNS : [])], scalars, { maxVarbinds: budget });
    } catch (err) {
      if (!tooBig(err) || budget <= 24) throw err;
      budgets.set(device.name, Math.floor(budget / 2));
      return walkOnce(session, cap, device);
    }
    const hcMissing = hc && (walk.columns.get(IF_COLUMNS.ifHCInOctets)?.size ?? 0) === 0;
    if (hcMissing && (walk.columns.get(IF_COLUMNS.ifOperStatus)?.size ?? 0) > 0) {
      // No ifXTable counters (old or minimal agent): read the 32-bit ones instead.
      const legacy = await bulkWalk(
        session,
        LEGACY_COLUMNS.map((c) => IF_COLUMNS[c]),
        [],
        { maxVarbinds: budget },
      );
      for (const [k, v] of legacy.columns) walk.columns.set(k, v);
      walk.requests += legacy.requests;
    }
    const next: Capabilities = {
      hc: hc && !hcMissing,
      hr: hr && HR_COLUMNS.some((c) => (walk.columns.get(c)?.size ?? 0) > 0),
      ucd: scalars.length > 1 && walk.scalars.has(UCD.memTotalReal),
      checkedAt: cap && clock() - cap.checkedAt < reprobeMs ? cap.checkedAt : clock(),
    };
    if (!cap || clock() - cap.checkedAt >= reprobeMs) caps.set(device.name, next);
    else caps.set(device.name, { ...next, hr: cap.hr, ucd: cap.ucd, checkedAt: cap.checkedAt });
    return { walk, hc: next.hc };
  }

  return {
    async poll(device, pollOptions = {}) {
      if (!device.snmp)
        return { status: 'skipped', device: device.name, reason: 'no snmp settings in the inventory' };
      if (!device.enabled) return { status: 'skipped', device: device.name, reason: 'device is disabled' };
      const session = sessionFor(device);
      const start = clock();
      let cap = caps.get(device.name);
      if (cap && clock() - cap.checkedAt >= reprobeMs) cap = undefined;
      let walked: Awaited<ReturnType<typeof walkOnce>>;
      try {
        if (pollOptions.signal?.aborted)
          throw new NetopsError(ErrorCode.SNMP_TIMEOUT, `poll of ${device.name} aborted`);
        walked = await walkOnce(session, cap, device);
      } catch (err) {
        // A broken session (e.g. v3 engine state after an agent restart) is rebuilt next time.
        sessions.get(device.name)?.session.close();
        sessions.delete(device.name);
        throw snmpError(device, err);
      }
      const end = clock();
      const uptime = num(walked.walk.scalars.get(SYS_UPTIME));
      const pollMs = end - start;
      const result: PollResult = {
        status: 'ok',
        device: device.name,
        ts: Math.round((start + end) / 2),
        ...(uptime !== undefined ? { uptimeCs: uptime } : {}),
        interfaces: buildInterfaces(walked.walk.columns, walked.hc),
        ...deviceGauges(walked.walk),
        pollMs,
        requests: walked.walk.requests,
      };
      if (pollOptions.intervalMs && pollMs > pollOptions.intervalMs)
        result.overrun = { intervalMs: pollOptions.intervalMs, pollMs };
      return result;
    },
    close() {
      for (const { session } of sessions.values()) session.close();
      sessions.clear();
    },
  };
}

const tooBig = (err: unknown) => err instanceof snmp.RequestFailedError && err.status === 1; // ErrorStatus.TooBig

function hashCred(cred: SnmpCredential): string {
  const text = cred.version === '2c' ? cred.community : JSON.stringify(cred.user);
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}
