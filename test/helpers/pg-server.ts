import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './redis-server.js';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the caller's own (initdb + pg_ctl, as user postgres) on a spare loopback
 * port, so a benchmark can restart it without touching the shared one. Its socket lives in its
 * own directory; it trusts local connections and keeps nothing after close().
 */
export async function startPgServer() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'netops-pg-'));
  const data = join(dir, 'data');
  // initdb and the server refuse to run as root: run them as postgres, who must own the directory.
  const asPostgres = userInfo().uid === 0;
  if (asPostgres) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  chmodSync(dir, 0o700);
  const sh = (cmd: string, args: string[]) =>
    asPostgres ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
  await sh('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const opts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off`;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  const server = {
    port,
    url,
    async start() {
      await sh('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
    },
    /** Fast shutdown: sessions are cut, as on a service restart or a failover. */
    async stop() {
      await sh('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']).catch(() => {});
    },
    /** A database of its own on this server; returns its URL. */
    async createDatabase(name: string) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
