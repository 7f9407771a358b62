import type { SimVendor as Vendor } from '../vendors.js';
import type { BgpView, IfaceView } from './ios-config.js';
import { type SimFacts, uptimeParts } from './model.js';

/** Read-only show command output for the IOS-like simulated CLIs, in each vendor's layout. */
export interface ShowContext {
  facts: SimFacts;
  hostname: string;
  now: Date;
  ifaces: IfaceView[];
  bgp: BgpView;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function iosUptime(ms: number): string {
  const u = uptimeParts(ms);
  const parts = [];
  if (u.w) parts.push(plural(u.w, 'week'));
  if (u.d) parts.push(plural(u.d, 'day'));
  parts.push(plural(u.h, 'hour'), plural(u.m, 'minute'));
  return parts.join(', ');
}

function hms(seconds: number): string {
  if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)}d${Math.floor((seconds % 86_400) / 3600)}h`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((x) => String(x).padStart(2, '0')).join(':');
}

export function shortName(name: string): string {
  return name
    .replace(/^GigabitEthernet/, 'Gi')
    .replace(/^TenGigabitEthernet/, 'Te')
    .replace(/^Ethernet(?=\d+\/)/, 'Eth')
    .replace(/^Ethernet/, 'Et')
    .replace(/^Loopback/, 'Lo')
    .replace(/^loopback/, 'Lo')
    .replace(/^Management/, 'Ma');
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);

export function showVersion(v: Vendor, c: ShowContext): string {
  const f = c.facts;
  const up = c.now.getTime() - f.bootEpochMs;
  switch (v) {
    case 'cisco_iosxe':
      return [
        `Cisco IOS XE Software, Version ${f.version}`,
        `Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version ${f.version}, RELEASE SOFTWARE (fc4)`,
        'Technical Support: http://www.cisco.com/techsupport',
        'Copyright (c) 1986-2023 by Cisco Systems, Inc.',
        'Compiled Tue 21-Mar-23 05:04 by mcpre',
        '',
        'ROM: IOS-XE ROMMON',
        `BOOTLDR: System Bootstrap, Version 17.8.1r[FC1], RELEASE SOFTWARE (P)`,
        '',
        `${c.hostname} uptime is ${iosUptime(up)}`,
        `Uptime for this control processor is ${iosUptime(up + 120_000)}`,
        'System returned to ROM by Reload Command',
        'System image file is "flash:packages.conf"',
        'Last reload reason: Reload Command',
        '',
        `cisco ${f.model} (X86) processor with 1331521K/6147K bytes of memory.`,
        `Processor board ID ${f.serial}`,
        `${f.interfaceCount} Gigabit Ethernet interfaces`,
        '2048K bytes of non-volatile configuration memory.',
        '8388608K bytes of physical memory.',
        '',
        `Base Ethernet MAC Address          : ${f.baseMac.replace(/\./g, '').replace(/(..)(?!$)/g, '$1:')}`,
        `Model Number                       : ${f.model}`,
        `System Serial Number               : ${f.serial}`,
        '',
        'Configuration register is 0x102',
      ].join('\n');
    case 'cisco_nxos': {
      const u = uptimeParts(up);
      return [
        'Cisco Nexus Operating System (NX-OS) Software',
        'TAC support: http://www.cisco.com/tac',
        'Copyright (C) 2002-2023, Cisco and/or its affiliates.',
        'All rights reserved.',
        '',
        'Software',
        '  BIOS: version 05.47',
        `  NXOS: version ${f.version}`,
        '  BIOS compile time:  04/28/2022',
        `  NXOS image file is: bootflash:///nxos.${f.version.replace(/[()]/g, '.')}bin`,
        '  NXOS compile time:  3/2/2023 12:00:00 [02/11/2023 16:21:31]',
        '',
        'Hardware',
        `  cisco Nexus9000 ${f.model} chassis`,
        '  Intel(R) Xeon(R) CPU  @ 1.80GHz with 24569496 kB of memory.',
        `  Processor Board ID ${f.serial}`,
        '',
        `  Device name: ${c.hostname}`,
        '  bootflash:   53298520 kB',
        `Kernel uptime is ${u.days} day(s), ${u.h} hour(s), ${u.m} minute(s), ${u.s} second(s)`,
        '',
        'Last reset',
        '  Reason: Unknown',
      ].join('\n');
    }
    case 'arista_eos': {
      const u = uptimeParts(up);
      return [
        `Arista ${f.model}`,
        'Hardware version: 11.02',
        `Serial number: ${f.serial}`,
        `Hardware MAC address: ${f.baseMac}`,
        `System MAC address: ${f.baseMac}`,
        '',
        `Software image version: ${f.version}`,
        'Architecture: x86_64',
        `Internal build version: ${f.version}-28836473.${f.version.replace(/\./g, '')}`,
        'Image format version: 3.0',
        '',
        `Uptime: ${u.w} weeks, ${u.d} days, ${u.h} hours and ${u.m} minutes`,
        'Total memory: 8098984 kB',
        'Free memory: 5938472 kB',
      ].join('\n');
    }
    case 'frr':
      return [
        `FRRouting ${f.version} (${c.hostname}) on Linux(6.1.0-18-amd64).`,
        'Copyright 1996-2005 Kunihiro Ishiguro, et al.',
        'configured with:',
        "    '--build=x86_64-linux-gnu' '--prefix=/usr' '--sysconfdir=/etc' '--enable-vtysh' '--enable-multipath=256'",
      ].join('\n');
    default:
      return '';
  }
}

export function showInterfacesBrief(v: Vendor, c: ShowContext): string {
  switch (v) {
    case 'cisco_iosxe': {
      const rows = ['Interface              IP-Address      OK? Method Status                Protocol'];
      for (const i of c.ifaces) {
        const status = i.adminUp ? (i.operUp ? 'up' : 'down') : 'administratively down';
        rows.push(
          `${pad(i.name, 23)}${pad(i.address || 'unassigned', 16)}YES ${pad(i.address ? 'NVRAM' : 'unset', 7)}${pad(status, 22)}${i.operUp ? 'up' : 'down'}`,
        );
      }
      return rows.join('\n');
    }
    case 'cisco_nxos': {
      const rows = [
        '',
        '--------------------------------------------------------------------------------',
        'Port   VRF          Status IP Address                              Speed    MTU',
        '--------------------------------------------------------------------------------',
      ];
      const mgmt = c.ifaces.find((i) => i.name === 'mgmt0');
      if (mgmt) rows.push(`mgmt0  --           up     ${pad(mgmt.address, 40)}1000     1500`);
      rows.push(
        '',
        '--------------------------------------------------------------------------------',
        'Ethernet      VLAN    Type Mode   Status  Reason                   Speed     Port',
        'Interface                                                                    Ch #',
        '--------------------------------------------------------------------------------',
      );
      for (const i of c.ifaces.filter((x) => x.name.startsWith('Ethernet'))) {
        const reason = !i.adminUp ? 'Administratively down' : i.operUp ? 'none' : 'Link not connected';
        rows.push(
          `${pad(shortName(i.name), 14)}${pad(i.address ? '--' : '1', 8)}eth  ${pad(i.address ? 'routed' : 'access', 7)}${pad(i.operUp ? 'up' : 'down', 8)}${pad(reason, 25)}${pad(i.operUp ? '10G(D)' : 'auto(D)', 10)}--`,
        );
      }
      rows.push(
        '',
        '--------------------------------------------------------------------------------',
        'Interface     Status     Description',
        '--------------------------------------------------------------------------------',
      );
      for (const i of c.ifaces.filter((x) => x.name.startsWith('loopback')))
        rows.push(`${pad('Lo' + i.name.slice(8), 14)}${pad(i.adminUp ? 'up' : 'down', 11)}--`);
      return rows.join('\n');
    }
    case 'arista_eos': {
      const rows = ['Interface                      Status         Protocol           Description'];
      for (const i of c.ifaces)
        rows.push(
          `${pad(shortName(i.name), 31)}${pad(i.adminUp ? (i.operUp ? 'up' : 'down') : 'admin down', 15)}${pad(i.operUp ? 'up' : 'down', 19)}${i.description}`.trimEnd(),
        );
      return rows.join('\n');
    }
    case 'frr': {
      const rows = [
        'Interface       Status  VRF             Addresses',
        '---------       ------  ---             ---------',
      ];
      for (const i of c.ifaces)
        rows.push(
          `${pad(i.name, 16)}${pad(i.operUp ? 'up' : 'down', 8)}${pad('default', 16)}${i.address ? `${i.address}/${i.prefixLen}` : ''}`.trimEnd(),
        );
      return rows.join('\n');
    }
    default:
      return '';
  }
}

/** IOS `show interfaces`: the long form, a dozen lines per interface. */
export function showInterfacesLong(c: ShowContext): string {
  const out: string[] = [];
  c.ifaces.forEach((i, n) => {
    const state = i.adminUp ? (i.operUp ? 'up' : 'down') : 'administratively down';
    out.push(
      `${i.name} is ${state}, line protocol is ${i.operUp ? 'up' : 'down'}${i.operUp ? ' (connected)' : ' (notconnect)'}`,
      `  Hardware is Gigabit Ethernet, address is ${c.facts.baseMac.slice(0, 10)}${(n % 256).toString(16).padStart(2, '0')} (bia ${c.facts.baseMac.slice(0, 10)}${(n % 256).toString(16).padStart(2, '0')})`,
      ...(i.description ? [`  Description: ${i.description}`] : []),
      ...(i.address ? [`  Internet address is ${i.address}/${i.prefixLen}`] : []),
      '  MTU 1500 bytes, BW 1000000 Kbit/sec, DLY 10 usec,',
      '     reliability 255/255, txload 1/255, rxload 1/255',
      '  Encapsulation ARPA, loopback not set',
      `  Full-duplex, 1000Mb/s, media type is 10/100/1000BaseTX`,
      '  5 minute input rate 2000 bits/sec, 3 packets/sec',
      '  5 minute output rate 1000 bits/sec, 1 packets/sec',
      `     ${1000 + n * 37} packets input, ${(1000 + n * 37) * 512} bytes, 0 no buffer`,
      `     ${900 + n * 31} packets output, ${(900 + n * 31) * 480} bytes, 0 underruns`,
    );
  });
  return out.join('\n');
}

export function showBgpSummary(v: Vendor, c: ShowContext): string {
  const b = c.bgp;
  const est = b.peers.filter((p) => p.state === 'Established');
  switch (v) {
    case 'cisco_iosxe':
    case 'cisco_nxos': {
      const rows =
        v === 'cisco_nxos' ? ['BGP summary information for VRF default, address family IPv4 Unicast'] : [];
      rows.push(`BGP router identifier ${b.routerId}, local AS number ${b.asn}`);
      rows.push(
        `BGP table version is ${est.length * 7 + 1}, main routing table version ${est.length * 7 + 1}`,
      );
      rows.push(
        `${est.reduce((n, p) => n + p.prefixes, 0)} network entries using ${est.length * 1200} bytes of memory`,
        '',
      );
      rows.push('Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd');
      for (const p of b.peers) {
        const up = p.state === 'Established';
        rows.push(
          `${pad(p.ip, 16)}4 ${lpad(p.asn, 12)} ${lpad(up ? 1000 + p.prefixes : 0, 7)} ${lpad(up ? 990 + p.prefixes : 0, 7)} ${lpad(up ? est.length * 7 + 1 : 1, 8)} ${lpad(0, 4)} ${lpad(0, 4)} ${pad(up ? hms(p.upSeconds) : 'never', 8)} ${up ? lpad(p.prefixes, 12) : p.state}`,
        );
      }
      return rows.join('\n');
    }
    case 'arista_eos': {
      const rows = [
        'BGP summary information for VRF default',
        `Router identifier ${b.routerId}, local AS number ${b.asn}`,
        'Neighbor Status Codes: m - Under maintenance',
      ];
      rows.push(
        '  Neighbor         V  AS           MsgRcvd   MsgSent  InQ OutQ  Up/Down State   PfxRcd PfxAcc',
      );
      for (const p of b.peers) {
        const up = p.state === 'Established';
        rows.push(
          `  ${pad(p.ip, 16)} 4  ${pad(p.asn, 12)} ${lpad(up ? 1000 + p.prefixes : 0, 8)} ${lpad(up ? 990 : 0, 9)} ${lpad(0, 4)} ${lpad(0, 4)} ${lpad(hms(p.upSeconds), 8)} ${pad(up ? 'Estab' : p.state, 7)} ${pad(up ? p.prefixes : '', 6)} ${up ? p.prefixes : ''}`.trimEnd(),
        );
      }
      return rows.join('\n');
    }
    case 'frr': {
      const rows = [
        '',
        'IPv4 Unicast Summary (VRF default):',
        `BGP router identifier ${b.routerId}, local AS number ${b.asn} vrf-id 0`,
        'BGP table version 0',
        'RIB entries 0, using 0 bytes of memory',
        `Peers ${b.peers.length}, using 725 KiB of memory`,
        '',
      ];
      rows.push(
        'Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc',
      );
      for (const p of b.peers) {
        const up = p.state === 'Established';
        rows.push(
          `${pad(p.ip, 16)}4 ${lpad(p.asn, 10)} ${lpad(up ? 1000 : 0, 9)} ${lpad(up ? 990 : 0, 9)} ${lpad(0, 8)} ${lpad(0, 4)} ${lpad(0, 4)} ${lpad(up ? hms(p.upSeconds) : 'never', 8)} ${lpad(up ? p.prefixes : p.state, 12)} ${lpad(0, 8)} ${p.description || 'N/A'}`,
        );
      }
      rows.push('', `Total number of neighbors ${b.peers.length}`);
      return rows.join('\n');
    }
    default:
      return '';
  }
}

export function showLldp(v: Vendor, c: ShowContext): string {
  const f = c.facts;
  if (v === 'arista_eos') {
    const rows = [
      'Last table change time   : 0:12:34 ago',
      'Number of table inserts  : 4',
      'Number of table deletes  : 0',
      'Number of table drops    : 0',
      'Number of table age-outs : 0',
      '',
      'Port          Neighbor Device ID       Neighbor Port ID    TTL',
      '------------- ------------------------ ------------------- ---',
    ];
    for (const n of f.lldp)
      rows.push(`${pad(`Et${n.local}`, 14)}${pad(n.remoteName, 25)}${pad(n.remotePort, 20)}120`);
    return rows.join('\n');
  }
  const rows = [
    'Capability codes:',
    '    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device',
    '    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other',
    '',
  ];
  rows.push('Device ID           Local Intf     Hold-time  Capability      Port ID');
  for (const n of f.lldp)
    rows.push(
      `${pad(n.remoteName, 20)}${pad(v === 'cisco_nxos' ? `Eth1/${n.local}` : `Gi1/0/${n.local}`, 15)}${pad(120, 11)}${pad('B,R', 16)}${n.remotePort}`,
    );
  rows.push('', `Total entries displayed: ${f.lldp.length}`);
  return rows.join('\n');
}

export function showClock(v: Vendor, now: Date): string {
  const s = now.toUTCString().replace(/ GMT$/, '');
  if (v === 'arista_eos') return `${s}\nTimezone: UTC\nClock source: NTP server (10.0.0.123)`;
  return `*${now.toISOString().slice(11, 23)} UTC ${s.slice(0, 16)}`;
}
