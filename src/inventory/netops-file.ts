import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { type Device, deviceSchema, parseFileConfig } from '../config.js';
import { ErrorCode, NetopsError } from '../errors.js';
import type { DiscoveryPolicy } from './discovery/policy.js';
import { inSubnets } from '../ip-scope.js';

/** A lock older than this was left by a process that died mid-write; it is taken over. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

/** Writers of one file inside this process queue here before they race for the lock file. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` holding the lock of `path`: in this process a queue, across processes (the bot's Add
 * button and a worker's auto-add) an exclusive `<file>.lock` beside it. Whoever holds it re-reads
 * the file, so two adds at once both land instead of the second overwriting the first.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(path) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(() => underLockFile(path, fn));
  queues.set(
    path,
    run.catch(() => undefined),
  );
  try {
    return await run;
  } finally {
    if (queues.get(path) === run) queues.delete(path);
  }
}

async function underLockFile<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const h = await open(lock, 'wx');
      await h.writeFile(`${process.pid}\n`);
      await h.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) {
        await unlink(lock).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new NetopsError(ErrorCode.CONFIG_INVALID, `${lock} held for over ${LOCK_WAIT_MS} ms`, {
          userMessage: 'netops.yaml is being written by someone else right now, so nothing was added.',
          hint: 'Try again in a moment.',
        });
      }
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/** The entry as a person would write it: only what differs from the defaults. */
function entryFor(device: Device): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    name: device.name,
    vendor: device.vendor,
    host: device.host,
    credential: device.credential,
  };
  if (device.port !== 22) entry.port = device.port;
  if (device.site) entry.site = device.site;
  if (device.role) entry.role = device.role;
  if (device.tags.length) entry.tags = device.tags;
  if (device.snmp) {
    const s: Record<string, unknown> = { credential: device.snmp.credential };
    if (device.snmp.version !== '2c') s.version = device.snmp.version;
    if (device.snmp.port !== 161) s.port = device.snmp.port;
    entry.snmp = s;
  }
  return entry;
}

/**
 * Appends a device to netops.yaml, keeping comments and layout (yaml Document API), after checking
 * the result still validates. Takes the file's lock and reads the file under it, so concurrent
 * adds (from any process on this machine) all land. The reconcile loop picks the change up.
 */
export async function addDeviceToFile(path: string, device: Device): Promise<void> {
  await withFileLock(path, async () => {
    const doc = parseDocument(await readFile(path, 'utf8'));
    if (doc.errors.length)
      throw new NetopsError(ErrorCode.CONFIG_INVALID, `${path} does not parse: ${doc.errors[0]!.message}`, {
        userMessage: 'netops.yaml does not parse right now, so nothing was added to it.',
        hint: 'Fix the file (the worker log has the exact error), then try again.',
      });
    const existing = doc.getIn(['devices']);
    const plain = (doc.toJS() as { devices?: { name?: string }[] } | null)?.devices ?? [];
    if (plain.some((d) => d.name?.toLowerCase() === device.name.toLowerCase())) {
      throw new NetopsError(ErrorCode.BAD_ARGS, `${device.name} is already in ${path}`, {
        userMessage: `\`${device.name}\` is already in the inventory.`,
      });
    }
    const entry = entryFor(device);
    if (existing === undefined || existing === null) doc.setIn(['devices'], doc.createNode([entry]));
    else doc.addIn(['devices'], doc.createNode(entry));
    const out = doc.toString();
    const check = parseFileConfig(out, path);
    if (!check.config) {
      throw new NetopsError(
        ErrorCode.CONFIG_INVALID,
        `adding ${device.name} would make ${path} invalid: ${check.problems.join('; ')}`,
        {
          userMessage: `Adding \`${device.name}\` would make the inventory invalid: ${check.problems[0]}`,
        },
      );
    }
    // Unique per write: a rename never moves another writer's half-written file into place.
    const tmp = join(
      dirname(path),
      `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
    );
    await writeFile(tmp, out);
    await rename(tmp, path);
  });
}

/**
 * The `discover.add` button handler's work: the value came back through Slack, so it is parsed and
 * validated again (schema, allowed subnets) before it touches netops.yaml.
 */
export async function addFromButtonValue(
  path: string,
  value: string,
  policy: Pick<DiscoveryPolicy, 'allowedSubnets'>,
): Promise<Device> {
  const device = deviceFromButtonValue(value, policy);
  await addDeviceToFile(path, device);
  return device;
}

/** The device an Add button's value proposes, validated (schema, allowed subnets); pure. */
export function deviceFromButtonValue(
  value: string,
  policy: Pick<DiscoveryPolicy, 'allowedSubnets'>,
): Device {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    throw new NetopsError(ErrorCode.BAD_ARGS, 'discover.add: value is not JSON', {
      userMessage: 'That Add button does not carry a device netops-bot can read.',
      hint: 'Run `discover` again for a fresh proposal.',
    });
  }
  const parsed = deviceSchema.safeParse(raw);
  if (!parsed.success)
    throw new NetopsError(
      ErrorCode.BAD_ARGS,
      `discover.add: not a device: ${parsed.error.issues[0]?.message}`,
      {
        userMessage: 'That Add button does not carry a device netops-bot can read.',
        hint: 'Run `discover` again for a fresh proposal.',
      },
    );
  if (!inSubnets(parsed.data.host, policy.allowedSubnets)) {
    throw new NetopsError(
      ErrorCode.FORBIDDEN,
      `discover.add: ${parsed.data.host} is outside the allowed subnets`,
      {
        userMessage: `\`${parsed.data.host}\` is outside the subnets discovery may add.`,
      },
    );
  }
  return parsed.data;
}
