import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.js';

const run = promisify(execFile);

/**
 * Redis processes of a test's own, on spare loopback ports in a temp dir. Each is spawned in a
 * process group of its own, so teardown kills the whole group (SIGKILL after a short SIGTERM grace)
 * and then removes the directory, whatever state the test left them in.
 */
class Procs {
  readonly dir = mkdtempSync(join(tmpdir(), 'netops-redis-topology-'));
  private readonly procs = new Map<number, ChildProcess>();
  // If the test process dies before its teardown, its Redis processes (own groups) go with it.
  private readonly onExit = () => {
    for (const p of this.procs.values()) {
      try {
        if (p.pid) process.kill(-p.pid, 'SIGKILL');
      } catch {}
    }
    rmSync(this.dir, { recursive: true, force: true });
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  spawn(port: number, args: string[], name = String(port)): void {
    const dir = join(this.dir, name);
    mkdirSync(dir, { recursive: true });
    const p = spawn('redis-server', args, { cwd: dir, stdio: 'ignore', detached: true });
    p.unref();
    this.procs.set(port, p);
  }

  async kill(port: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.procs.get(port);
    if (!p?.pid) return;
    this.procs.delete(port);
    if (p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    try {
      process.kill(-p.pid, signal);
    } catch {
      return;
    }
    const late = setTimeout(() => {
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {}
    }, 2_000);
    await exited;
    clearTimeout(late);
  }

  async close(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((port) => this.kill(port)));
    rmSync(this.dir, { recursive: true, force: true });
    process.off('exit', this.onExit);
  }
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 10_000,
  });
  return stdout;
}

async function until(what: string, ms: number, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const serverArgs = (port: number) => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'yes',
  '--protected-mode',
  'no',
];

export interface RedisCluster {
  nodes: { host: string; port: number }[];
  /** `host:port,…` as REDIS_CLUSTER_NODES takes it. */
  env: string;
  /** CLUSTER INFO of one node, as text. */
  info(port?: number): Promise<string>;
  close(): Promise<void>;
}

/** A real Redis Cluster of `masters` masters (no replicas), created with `redis-cli --cluster create`. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const procs = new Procs();
  try {
    const ports: number[] = [];
    while (ports.length < masters) {
      const p = await freePort();
      // the cluster bus listens on port + 10000: both must be free
      if (p < 55_000 && !ports.includes(p) && !ports.includes(p + 10_000)) ports.push(p);
    }
    for (const port of ports) {
      procs.spawn(port, [
        ...serverArgs(port),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '2000',
      ]);
    }
    for (const port of ports)
      await until(`redis ${port}`, 15_000, async () => (await cli(port, 'ping')).includes('PONG'));
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    for (const port of ports) {
      await until(`cluster state on ${port}`, 20_000, async () =>
        (await cli(port, 'cluster', 'info')).includes('cluster_state:ok'),
      );
    }
    const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
    return {
      nodes,
      env: nodes.map((n) => `${n.host}:${n.port}`).join(','),
      info: (port = ports[0]!) => cli(port, 'cluster', 'info'),
      close: () => procs.close(),
    };
  } catch (err) {
    await procs.close();
    throw err;
  }
}

export interface RedisSentinel {
  name: string;
  master: { host: string; port: number };
  replica: { host: string; port: number };
  sentinels: { host: string; port: number }[];
  /** `host:port,…` as REDIS_SENTINELS takes it. */
  env: string;
  /** The address the sentinels give for the master now. */
  currentMaster(): Promise<number>;
  /** `SENTINEL FAILOVER`, then waits until every sentinel names the other server as master. */
  failover(): Promise<{ from: number; to: number; ms: number }>;
  /**
   * The master dies (SIGKILL): whatever it had not passed on is gone. Resolves once every sentinel
   * names the replica as master and it takes writes (Sentinel's own failover, after down-after).
   */
  crashMaster(): Promise<{ from: number; to: number; ms: number }>;
  close(): Promise<void>;
}

/** A master, a replica and three sentinels watching them, on loopback. */
export async function startRedisSentinel(name = 'netops-test'): Promise<RedisSentinel> {
  const procs = new Procs();
  try {
    const masterPort = await freePort();
    let replicaPort = await freePort();
    while (replicaPort === masterPort) replicaPort = await freePort();
    procs.spawn(masterPort, serverArgs(masterPort));
    procs.spawn(replicaPort, [...serverArgs(replicaPort), '--replicaof', '127.0.0.1', String(masterPort)]);
    for (const port of [masterPort, replicaPort])
      await until(`redis ${port}`, 15_000, async () => (await cli(port, 'ping')).includes('PONG'));
    await until('replica in sync', 20_000, async () =>
      (await cli(replicaPort, 'info', 'replication')).includes('master_link_status:up'),
    );
    const sentinelPorts: number[] = [];
    while (sentinelPorts.length < 3) {
      const p = await freePort();
      if (![masterPort, replicaPort, ...sentinelPorts].includes(p)) sentinelPorts.push(p);
    }
    for (const port of sentinelPorts) {
      const dir = join(procs.dir, `sentinel-${port}`);
      mkdirSync(dir, { recursive: true });
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${name} 2000`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      procs.spawn(port, [conf, '--sentinel'], `sentinel-${port}`);
    }
    const masterOf = async (port: number) =>
      Number((await cli(port, 'sentinel', 'get-master-addr-by-name', name)).trim().split('\n')[1]);
    const replicasSeen = async (port: number) =>
      (await cli(port, 'sentinel', 'replicas', name)).includes(String(replicaPort));
    for (const port of sentinelPorts) {
      await until(`sentinel ${port}`, 20_000, async () => (await masterOf(port)) === masterPort);
      await until(`sentinel ${port} sees the replica`, 20_000, () => replicasSeen(port));
    }
    // Each sentinel must know the others, or a failover has no quorum to be authorised by.
    for (const port of sentinelPorts) {
      await until(`sentinel ${port} sees its peers`, 20_000, async () =>
        /num-other-sentinels\s+2/.test((await cli(port, 'sentinel', 'master', name)).replace(/\n/g, ' ')),
      );
    }
    const sentinels = sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
    return {
      name,
      master: { host: '127.0.0.1', port: masterPort },
      replica: { host: '127.0.0.1', port: replicaPort },
      sentinels,
      env: sentinels.map((s) => `${s.host}:${s.port}`).join(','),
      currentMaster: () => masterOf(sentinelPorts[0]!),
      async failover() {
        const from = await masterOf(sentinelPorts[0]!);
        const to = from === masterPort ? replicaPort : masterPort;
        const t0 = Date.now();
        await cli(sentinelPorts[0]!, 'sentinel', 'failover', name);
        for (const port of sentinelPorts)
          await until(`failover seen by sentinel ${port}`, 30_000, async () => (await masterOf(port)) === to);
        await until('new master takes writes', 15_000, async () =>
          (await cli(to, 'info', 'replication')).includes('role:master'),
        );
        return { from, to, ms: Date.now() - t0 };
      },
      async crashMaster() {
        const from = await masterOf(sentinelPorts[0]!);
        const to = from === masterPort ? replicaPort : masterPort;
        const t0 = Date.now();
        await procs.kill(from);
        for (const port of sentinelPorts)
          await until(`failover seen by sentinel ${port}`, 30_000, async () => (await masterOf(port)) === to);
        await until('new master takes writes', 15_000, async () =>
          (await cli(to, 'info', 'replication')).includes('role:master'),
        );
        return { from, to, ms: Date.now() - t0 };
      },
      close: () => procs.close(),
    };
  } catch (err) {
    await procs.close();
    throw err;
  }
}
