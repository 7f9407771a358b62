import type { SimDevice } from './device.js';
import { hashString } from './rng.js';
import { LineTerminal, type TerminalIo } from './terminal.js';

/** A small bash look-alike for the `linux` driver: enough of a shell for the conformance suite. */
export class LinuxCli extends LineTerminal {
  private ps1: string | null = null;

  constructor(
    io: TerminalIo,
    readonly dev: SimDevice,
    readonly user: string,
  ) {
    super(io);
    this.screenLength = 0;
  }

  prompt(): string {
    return this.ps1 ?? `${this.user}@${this.dev.name}:~$ `;
  }

  protected async handleLine(raw: string): Promise<void> {
    const out: string[] = [];
    for (const part of raw.split(/;|\|\|/)) {
      const cmd = part.replace(/\s*2>\/dev\/null/g, '').trim();
      if (!cmd) continue;
      const r = await this.exec(cmd);
      if (r === null) return;
      if (r) out.push(r);
    }
    return this.print(out.join('\n'));
  }

  private files(): Record<string, string> {
    const d = this.dev;
    return {
      '/proc/uptime': `${((d.clock().getTime() - d.facts.bootEpochMs) / 1000).toFixed(2)} 123456.78`,
      '/etc/machine-id': d.facts.baseMac.replace(/\./g, '').padEnd(32, '0').slice(0, 32),
      '/etc/hostname': d.name,
      '/etc/hosts': `127.0.0.1\tlocalhost\n127.0.1.1\t${d.name}`,
      '/etc/os-release':
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"',
    };
  }

  private links(): string[] {
    const n = 4;
    const rows = [
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
    ];
    for (let i = 0; i < n; i++) {
      const up = hashString(`${this.dev.name}/eth${i}`) % 5 !== 0;
      const mac = `52:54:00:${(i + 16).toString(16)}:${this.dev.facts.baseMac.slice(0, 2)}:${this.dev.facts.baseMac.slice(2, 4)}`;
      rows.push(
        `${i + 2}: eth${i}: <BROADCAST,MULTICAST,UP${up ? ',LOWER_UP' : ''}> mtu 1500 qdisc mq state ${up ? 'UP' : 'DOWN'} mode DEFAULT group default qlen 1000\\    link/ether ${mac} brd ff:ff:ff:ff:ff:ff`,
      );
    }
    return rows;
  }

  private async exec(cmd: string): Promise<string | null> {
    const words = cmd.split(/\s+/);
    const [name, ...args] = words as [string, ...string[]];
    switch (name) {
      case 'export': {
        const m = /PS1='([^']*)'/.exec(cmd);
        if (m) this.ps1 = m[1]!;
        return '';
      }
      case 'unset':
      case 'stty':
      case 'bind':
      case 'true':
        return '';
      case 'exit':
      case 'logout':
        this.close();
        return null;
      case 'echo':
        return args.join(' ').replace(/^['"]|['"]$/g, '');
      case 'hostname':
        return this.dev.name;
      case 'uname':
        return args.includes('-a')
          ? `Linux ${this.dev.name} 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64 GNU/Linux`
          : `Linux ${this.dev.name} 6.1.0-18-amd64 x86_64`;
      case 'uptime':
        return ' 10:15:36 up 12 days,  3:04,  1 user,  load average: 0.08, 0.03, 0.01';
      case 'sleep':
        await new Promise((r) => setTimeout(r, Number(args[0] ?? 0) * 1000).unref());
        return '';
      case 'cat': {
        const files = this.files();
        return args.map((f) => files[f] ?? `cat: ${f}: No such file or directory`).join('\n');
      }
      case 'ip': {
        const rest = args.join(' ');
        if (/^-o link( show)?$/.test(rest)) return this.links().join('\n');
        if (/^(-br )?link( show)?$/.test(rest))
          return this.links()
            .map((l) => l.split(':')[1]!.trim().padEnd(17) + (l.includes('LOWER_UP') ? 'UP' : 'DOWN'))
            .join('\n');
        if (/^(-br )?addr( show)?$/.test(rest))
          return `lo               UNKNOWN        127.0.0.1/8 ::1/128\neth0             UP             10.0.${hashString(this.dev.name) % 250}.10/24`;
        if (/^route( show)?( table all)?$/.test(rest))
          return `default via 10.0.0.1 dev eth0 onlink\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.10`;
        if (/^neigh( show)?$/.test(rest))
          return '10.0.0.1 dev eth0 lladdr 52:54:00:12:34:56 REACHABLE\n10.0.0.2 dev eth0 lladdr 52:54:00:12:34:57 STALE';
        return `Object "${args[0] ?? ''}" is unknown, try "ip help".`;
      }
      default:
        return `-bash: ${name}: command not found`;
    }
  }
}
