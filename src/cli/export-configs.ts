import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { Pool } from 'pg';
import { ErrorCode, NetopsError } from '../errors.js';

/**
 * `netops-bot export-configs --git <dir>`: the config history as git commits, one file per device
 * (`<device>.cfg`), commit date = collected_at, author = who made the change. Streams through
 * `git fast-import`, so 100k versions take seconds, not one `git commit` per version.
 * Incremental: each commit carries a `Netops-Version: <id>` trailer and a rerun continues after
 * the last exported id. Bodies are the normalised, scrubbed configs: no secret reaches the repo.
 */

export interface ExportOptions {
  branch?: string;
  /** Versions fetched per round trip. */
  batchSize?: number;
  /** Update the working tree to the exported head (default true for non-bare repos). */
  checkout?: boolean;
}

export interface ExportResult {
  commits: number;
  devices: number;
  lastVersionId: number;
  dir: string;
}

function git(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function gitOk(args: string[], cwd: string): Promise<string> {
  const r = await git(args, cwd);
  if (r.code !== 0) {
    throw new NetopsError(ErrorCode.INTERNAL, `git ${args.join(' ')} failed: ${r.stderr.trim()}`, {
      userMessage: `git failed in ${cwd}: ${r.stderr.trim().split('\n')[0]}`,
    });
  }
  return r.stdout;
}

/** Author identity for git: no angle brackets or newlines, never empty. */
export function gitIdent(author: string | null, trigger: string): { name: string; email: string } {
  const clean = (author ?? '').replace(/[<>\n\r]/g, '').trim();
  const name = clean || `netops-bot (${trigger})`;
  const local =
    (clean || 'netops-bot').replace(/[^A-Za-z0-9._-]+/g, '.').replace(/^\.+|\.+$/g, '') || 'netops-bot';
  return { name, email: `${local}@netops-bot.invalid` };
}

interface Row {
  id: string;
  device: string;
  sha256: string;
  collected_at: Date;
  trigger: string;
  author: string | null;
  body: string | null;
}

export async function exportConfigs(
  pool: Pool,
  dir: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const branch = options.branch ?? 'main';
  const batch = options.batchSize ?? 500;
  await mkdir(dir, { recursive: true });
  const inside = await git(['rev-parse', '--is-inside-work-tree'], dir);
  const bareCheck = await git(['rev-parse', '--is-bare-repository'], dir);
  const isRepo = inside.code === 0 || bareCheck.stdout.trim() === 'true';
  if (!isRepo) await gitOk(['init', '-q', '-b', branch], dir);
  const bare = (await git(['rev-parse', '--is-bare-repository'], dir)).stdout.trim() === 'true';

  // Continue after the last exported version, read from the branch tip's trailer.
  let lastId = 0;
  let parent: string | undefined;
  const tip = await git(['log', '-1', '--format=%H%n%B', `refs/heads/${branch}`], dir);
  if (tip.code === 0) {
    parent = tip.stdout.split('\n')[0];
    const m = /^Netops-Version: (\d+)$/m.exec(tip.stdout);
    if (m) lastId = Number(m[1]);
  }

  const child = spawn('git', ['fast-import', '--quiet', '--done'], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const write = (chunk: string | Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (child.stdin.write(chunk)) resolve();
      else {
        child.stdin.once('drain', resolve);
        child.stdin.once('error', reject);
      }
    });
  const data = async (content: string) => {
    const buf = Buffer.from(content, 'utf8');
    await write(`data ${buf.length}\n`);
    await write(buf);
    await write('\n');
  };

  const blobMarks = new Map<string, number>();
  let nextMark = 1;
  let commits = 0;
  const devices = new Set<string>();
  let cursor = lastId;
  try {
    for (;;) {
      // Bodies only for blobs this run has not emitted yet (a config often returns to an earlier state).
      const { rows } = await pool.query<Row>(
        `SELECT v.id::text, v.device, v.sha256, v.collected_at, v.trigger, v.author,
                CASE WHEN v.sha256 = ANY($3::text[]) THEN NULL ELSE b.body END AS body
           FROM config_versions v JOIN config_blobs b ON b.sha256 = v.sha256
          WHERE v.id > $1 ORDER BY v.id LIMIT $2`,
        [cursor, batch, [...blobMarks.keys()]],
      );
      if (!rows.length) break;
      for (const r of rows) {
        let mark = blobMarks.get(r.sha256);
        if (mark === undefined) {
          mark = nextMark++;
          blobMarks.set(r.sha256, mark);
          await write(`blob\nmark :${mark}\n`);
          await data(r.body ?? '');
        }
        const when = Math.floor(r.collected_at.getTime() / 1000);
        const who = gitIdent(r.author, r.trigger);
        const msg = `${r.device}: ${r.trigger} backup${r.author ? ` by ${r.author}` : ''}\n\nNetops-Version: ${r.id}\nNetops-Sha256: ${r.sha256}\n`;
        await write(`commit refs/heads/${branch}\n`);
        await write(`author ${who.name} <${who.email}> ${when} +0000\n`);
        await write(`committer netops-bot <netops-bot@netops-bot.invalid> ${when} +0000\n`);
        await data(msg);
        // The first commit of a run continues the existing branch; later ones follow on their own.
        if (parent) {
          await write(`from ${parent}\n`);
          parent = undefined;
        }
        await write(`M 100644 :${mark} ${r.device}.cfg\n\n`);
        commits++;
        devices.add(r.device);
        cursor = Number(r.id);
      }
    }
    await write('done\n');
    child.stdin.end();
  } catch (err) {
    child.stdin.destroy();
    await exited.catch(() => {});
    throw err;
  }
  const code = await exited;
  if (code !== 0) {
    throw new NetopsError(ErrorCode.INTERNAL, `git fast-import failed (${code}): ${stderr.trim()}`, {
      userMessage: `Exporting configs to ${dir} failed: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`,
    });
  }
  if (commits && !bare && options.checkout !== false) {
    // fast-import moves the branch only; bring the files in the working tree up to date.
    const head = (await git(['symbolic-ref', '--short', 'HEAD'], dir)).stdout.trim();
    if (head === branch) await gitOk(['reset', '-q', '--hard', branch], dir);
  }
  return { commits, devices: devices.size, lastVersionId: cursor, dir };
}

/**
 * `netops-bot export-configs --git <dir> [--branch main]`: argument handling for the CLI role.
 * Returns the line to print; throws BAD_ARGS with the usage on bad input.
 */
export async function exportConfigsCli(argv: readonly string[], pool: Pool): Promise<string> {
  const usage = 'usage: netops-bot export-configs --git <dir> [--branch <name>]';
  let dir: string | undefined;
  let branch: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=')
      ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
      : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--git') dir = value();
    else if (flag === '--branch') branch = value();
    else
      throw new NetopsError(ErrorCode.BAD_ARGS, `unknown argument ${a}`, {
        userMessage: `Unknown argument \`${a}\`.`,
        hint: usage,
      });
  }
  if (!dir)
    throw new NetopsError(ErrorCode.BAD_ARGS, 'missing --git <dir>', {
      userMessage: 'Say where the git repository goes.',
      hint: usage,
    });
  if (branch !== undefined && !/^[A-Za-z0-9._/-]+$/.test(branch)) {
    throw new NetopsError(ErrorCode.BAD_ARGS, `bad branch ${branch}`, {
      userMessage: `\`${branch}\` is not a branch name.`,
      hint: usage,
    });
  }
  const t0 = performance.now();
  const r = await exportConfigs(pool, dir, branch ? { branch } : {});
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  return r.commits
    ? `exported ${r.commits} version(s) of ${r.devices} device(s) to ${r.dir} in ${secs} s (last version ${r.lastVersionId})`
    : `nothing new to export to ${r.dir} (up to version ${r.lastVersionId})`;
}
