import type { SimVendor as Vendor } from '../vendors.js';
import type { SimFacts } from './model.js';
import { createRng } from './rng.js';

/**
 * Running-configuration bodies in each vendor's syntax, generated from SimFacts. They carry secrets
 * (enable/user hashes, SNMP community, TACACS key, BGP password) and, once rendered by the CLI, the
 * vendor's volatile header lines, so config normalisation and masking can be tested against them.
 */

export const INDENT: Record<Vendor, string> = {
  cisco_iosxe: ' ',
  cisco_nxos: '  ',
  arista_eos: '   ',
  juniper_junos: '',
  frr: ' ',
  linux: '',
};

export function interfaceName(vendor: Vendor, i: number): string {
  switch (vendor) {
    case 'cisco_iosxe':
      return `GigabitEthernet1/0/${i}`;
    case 'cisco_nxos':
      return `Ethernet1/${i}`;
    case 'arista_eos':
      return `Ethernet${i}`;
    case 'juniper_junos':
      return `ge-0/0/${i - 1}`;
    default:
      return `eth${i - 1}`;
  }
}

function maskOf(len: number): string {
  const bits = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}

function localOf(peerIp: string): string {
  const p = peerIp.split('.').map(Number);
  p[3] = p[3]! - 1;
  return p.join('.');
}

export interface GenOptions {
  /** Pad to about this many lines (bench: 20,000). */
  targetLines?: number;
}

/** The config body (no volatile header, no trailing `end`) for IOS-like CLIs. */
export function iosLikeBody(f: SimFacts, opts: GenOptions = {}): string[] {
  const v = f.vendor;
  const I = INDENT[v];
  const rng = createRng(`cfg:${f.hostname}:${f.serial}`);
  const out: string[] = [];
  const push = (...l: string[]) => out.push(...l);
  const peerIface = new Map<number, (typeof f.bgpPeers)[number]>();
  f.bgpPeers.forEach((p, i) => {
    peerIface.set(i + 1, p);
  });
  const target = opts.targetLines ?? 0;
  // Bench configs grow by interfaces first (the common shape of a big chassis), then by ACL lines.
  const ifaceCount = target > 0 ? Math.max(f.interfaceCount, Math.floor(target / 9)) : f.interfaceCount;

  if (v === 'cisco_iosxe') {
    push(`version ${f.version.split('.').slice(0, 2).map(Number).join('.')}`);
    push(
      'service timestamps debug datetime msec',
      'service timestamps log datetime msec',
      'service password-encryption',
    );
    push(
      'platform punt-keepalive disable-kernel-core',
      '!',
      `hostname ${f.hostname}`,
      '!',
      'boot-start-marker',
      'boot-end-marker',
      '!',
    );
    push('vrf definition Mgmt-vrf', `${I}!`, `${I}address-family ipv4`, `${I}exit-address-family`, '!');
    push('logging buffered 64000 informational', `enable secret 9 ${f.secrets.enable}`, '!', 'aaa new-model');
    push(
      'aaa authentication login default group tacacs+ local',
      'aaa authorization exec default group tacacs+ local',
      '!',
    );
    push('clock timezone UTC 0 0', 'ip domain name example.net', 'ip name-server 10.0.0.53', '!');
    push(
      `username netops privilege 15 secret 9 ${f.secrets.userHash}`,
      `username breakglass privilege 15 password 7 ${f.secrets.tacacsKey.slice(0, 12)}`,
      '!',
    );
    push('spanning-tree mode rapid-pvst', 'spanning-tree extend system-id', '!');
    for (const id of [10, 20, 30])
      push(`vlan ${id}`, `${I}name ${rng.pick(['users', 'voice', 'servers', 'printers'])}-${id}`, '!');
  } else if (v === 'cisco_nxos') {
    push(`version ${f.version} Bios:version 05.47`, `hostname ${f.hostname}`, 'vdc ' + f.hostname + ' id 1');
    push(
      `${I}limit-resource vlan minimum 16 maximum 4094`,
      'feature tacacs+',
      'feature bgp',
      'feature interface-vlan',
      'feature lldp',
      '',
    );
    push(
      `username admin password 5 ${f.secrets.userHash.replace('$9$', '$5$')}  role network-admin`,
      `username netops password 5 ${f.secrets.enable.replace('$9$', '$5$')}  role network-admin`,
    );
    push(
      'ip domain-lookup',
      `tacacs-server key 7 "${f.secrets.tacacsKey}"`,
      'tacacs-server host 10.0.0.49',
      'aaa group server tacacs+ TAC',
      `${I}server 10.0.0.49`,
    );
    push(
      `snmp-server community ${f.secrets.community} group network-operator`,
      'snmp-server location dc1',
      'ntp server 10.0.0.123 use-vrf management',
      '',
    );
    for (const id of [10, 20, 30]) push(`vlan ${id}`, `${I}name vlan${id}`);
    push('', 'vrf context management', `${I}ip route 0.0.0.0/0 10.0.0.1`, '');
  } else if (v === 'arista_eos') {
    push(
      '! boot system flash:/EOS.swi',
      '!',
      'transceiver qsfp default-mode 4x10G',
      '!',
      `hostname ${f.hostname}`,
      'ip name-server vrf default 10.0.0.53',
      '!',
    );
    push(
      'ntp server 10.0.0.123',
      '!',
      `snmp-server community ${f.secrets.community} ro`,
      'snmp-server location dc1',
      '!',
      'spanning-tree mode mstp',
      '!',
    );
    push(
      `tacacs-server host 10.0.0.49 key 7 ${f.secrets.tacacsKey}`,
      '!',
      'aaa authentication login default group tacacs+ local',
      '!',
    );
    push(`enable password sha512 ${f.secrets.enable.replace('$9$', '$6$')}`, '!');
    push(
      `username admin privilege 15 role network-admin secret sha512 ${f.secrets.userHash.replace('$9$', '$6$')}`,
      '!',
    );
    for (const id of [10, 20, 30]) push(`vlan ${id}`, `${I}name vlan${id}`, '!');
  } else if (v === 'frr') {
    push(
      `frr version ${f.version}`,
      'frr defaults traditional',
      `hostname ${f.hostname}`,
      'log syslog informational',
      'service integrated-vtysh-config',
      '!',
    );
    push(
      `password ${f.secrets.tacacsKey.slice(0, 10).toLowerCase()}`,
      `enable password ${f.secrets.bgpPassword.slice(0, 10).toLowerCase()}`,
      '!',
    );
  }

  for (let i = 1; i <= ifaceCount; i++) {
    const name = interfaceName(v, i);
    const peer = peerIface.get(i);
    push(`interface ${name}`);
    if (peer) push(`${I}description ${peer.description}`);
    else if (rng.chance(0.6))
      push(`${I}description ${rng.pick(['host', 'ap', 'printer', 'server', 'uplink'])}-${rng.int(1, 400)}`);
    if (peer || i > ifaceCount - 2) {
      const ip = peer ? localOf(peer.ip) : `172.16.${i % 256}.1`;
      const len = peer ? 30 : 24;
      if (v === 'cisco_iosxe') push(`${I}no switchport`, `${I}ip address ${ip} ${maskOf(len)}`);
      else if (v === 'frr') push(`${I}ip address ${ip}/${len}`);
      else push(`${I}no switchport`, `${I}ip address ${ip}/${len}`);
    } else if (v !== 'frr') {
      push(`${I}switchport access vlan ${rng.pick([10, 20, 30])}`, `${I}switchport mode access`);
      if (v === 'cisco_iosxe') push(`${I}spanning-tree portfast`);
    }
    if (!peer && rng.chance(0.15)) push(`${I}shutdown`);
    else if (v === 'cisco_nxos') push(`${I}no shutdown`);
    push(v === 'frr' ? 'exit' : '!');
  }
  const lo = v === 'cisco_nxos' ? 'loopback0' : v === 'frr' ? 'lo' : 'Loopback0';
  push(
    `interface ${lo}`,
    `${I}ip address ${f.routerId}${v === 'cisco_iosxe' ? ' 255.255.255.255' : '/32'}`,
    v === 'frr' ? 'exit' : '!',
  );
  if (v === 'cisco_nxos')
    push(
      'interface mgmt0',
      `${I}vrf member management`,
      `${I}ip address 192.168.0.${(f.asn % 250) + 2}/24`,
      '',
    );

  // BGP
  push(`router bgp ${f.asn}`);
  if (v === 'cisco_nxos') {
    push(
      `${I}router-id ${f.routerId}`,
      `${I}address-family ipv4 unicast`,
      `${I}${I}network ${f.routerId}/32`,
    );
    for (const p of f.bgpPeers) {
      push(
        `${I}neighbor ${p.ip}`,
        `${I}${I}remote-as ${p.asn}`,
        `${I}${I}description ${p.description}`,
        `${I}${I}password 3 ${f.secrets.bgpPassword}`,
        `${I}${I}address-family ipv4 unicast`,
      );
    }
  } else {
    push(`${I}${v === 'arista_eos' ? '' : 'bgp '}router-id ${f.routerId}`);
    if (v !== 'arista_eos') push(`${I}bgp log-neighbor-changes`);
    for (const p of f.bgpPeers) {
      push(`${I}neighbor ${p.ip} remote-as ${p.asn}`, `${I}neighbor ${p.ip} description ${p.description}`);
      push(
        `${I}neighbor ${p.ip} password ${v === 'frr' ? f.secrets.bgpPassword : `7 ${f.secrets.bgpPassword}`}`,
      );
    }
    if (v === 'arista_eos') push(`${I}network ${f.routerId}/32`);
    else {
      push(`${I}!`, `${I}address-family ipv4${v === 'frr' ? ' unicast' : ''}`);
      push(`${I}${I}network ${f.routerId}${v === 'cisco_iosxe' ? ' mask 255.255.255.255' : '/32'}`);
      for (const p of f.bgpPeers) if (v === 'cisco_iosxe') push(`${I}${I}neighbor ${p.ip} activate`);
      push(`${I}exit-address-family`);
    }
  }
  push(v === 'frr' ? 'exit' : '!');

  // ACL: the padding knob for big configs.
  const aclName = 'MGMT-IN';
  const aclLines = Math.max(4, target > 0 ? target - out.length - 10 : rng.int(6, 14));
  if (v === 'cisco_iosxe') push(`ip access-list extended ${aclName}`);
  else if (v === 'frr') push('');
  else push(`ip access-list ${aclName}`);
  for (let i = 1; i <= aclLines && v !== 'frr'; i++) {
    const src = `10.${(i >> 8) & 255}.${i & 255}.0`;
    if (v === 'cisco_iosxe') push(`${I}permit tcp ${src} 0.0.0.255 any eq ${rng.pick([22, 161, 443, 830])}`);
    else push(`${I}${i * 10} permit tcp ${src}/24 any eq ${rng.pick([22, 161, 443, 830])}`);
  }
  if (v === 'frr') {
    for (let i = 1; i <= aclLines; i++)
      push(`ip prefix-list PL-IN seq ${i * 5} permit 10.${(i >> 8) & 255}.${i & 255}.0/24`);
  }
  push(v === 'frr' ? '!' : '!');

  if (v === 'cisco_iosxe') {
    push(
      `snmp-server community ${f.secrets.community} RO`,
      'snmp-server location dc1',
      'snmp-server contact noc@example.net',
    );
    push(
      `tacacs-server host 10.0.0.49 key 7 ${f.secrets.tacacsKey}`,
      'ntp server 10.0.0.123',
      `ntp clock-period ${17179869 + rng.int(0, 99)}`,
      '!',
    );
    push(
      'line con 0',
      `${I}exec-timeout 15 0`,
      'line vty 0 4',
      `${I}password 7 ${f.secrets.tacacsKey.slice(2, 14)}`,
      `${I}transport input ssh`,
      '!',
    );
  } else if (v === 'cisco_nxos') {
    push(
      'line console',
      `${I}exec-timeout 15`,
      'line vty',
      `${I}exec-timeout 30`,
      'boot nxos bootflash:/nxos.' + f.version.replace(/[()]/g, '.') + 'bin',
    );
  } else if (v === 'arista_eos') {
    push(
      'ip routing',
      '!',
      'management api http-commands',
      `${I}no shutdown`,
      '!',
      'management ssh',
      `${I}idle-timeout 30`,
      '!',
    );
  } else if (v === 'frr') {
    push('line vty', '!');
  }
  return out;
}

/** Junos configuration as `set` lines (the canonical form the simulator edits). */
export function junosSetLines(f: SimFacts, opts: GenOptions = {}): string[] {
  const rng = createRng(`cfg:${f.hostname}:${f.serial}`);
  const out: string[] = [];
  const s = (l: string) => out.push(`set ${l}`);
  const target = opts.targetLines ?? 0;
  s(`version ${f.version}`);
  s(`system host-name ${f.hostname}`);
  s(`system root-authentication encrypted-password "${f.secrets.enable.replace('$9$', '$6$')}"`);
  s(`system login user netops uid 2001`);
  s(`system login user netops class super-user`);
  s(
    `system login user netops authentication encrypted-password "${f.secrets.userHash.replace('$9$', '$6$')}"`,
  );
  s('system services ssh root-login deny');
  s('system services netconf ssh');
  s('system syslog file messages any notice');
  s('system ntp server 10.0.0.123');
  s(`system tacplus-server 10.0.0.49 secret "$9$${f.secrets.tacacsKey.toLowerCase()}"`);
  s(`snmp community ${f.secrets.community} authorization read-only`);
  s('snmp location dc1');
  const count = target > 0 ? Math.max(f.interfaceCount, Math.floor(target / 6)) : f.interfaceCount;
  for (let i = 1; i <= count; i++) {
    const name = interfaceName('juniper_junos', i);
    const peer = f.bgpPeers[i - 1];
    if (peer) s(`interfaces ${name} description "${peer.description}"`);
    else if (rng.chance(0.5))
      s(`interfaces ${name} description "${rng.pick(['host', 'server', 'uplink'])}-${rng.int(1, 400)}"`);
    if (!peer && rng.chance(0.15)) s(`interfaces ${name} disable`);
    if (peer) s(`interfaces ${name} unit 0 family inet address ${localOf(peer.ip)}/30`);
    else
      s(
        `interfaces ${name} unit 0 family ethernet-switching vlan members ${rng.pick(['v10', 'v20', 'v30'])}`,
      );
  }
  s(`interfaces lo0 unit 0 family inet address ${f.routerId}/32`);
  s(`interfaces fxp0 unit 0 family inet address 192.168.0.${(f.asn % 250) + 2}/24`);
  s(`routing-options router-id ${f.routerId}`);
  s(`routing-options autonomous-system ${f.asn}`);
  s('protocols bgp group EBGP type external');
  s(`protocols bgp group EBGP authentication-key "$9$${f.secrets.bgpPassword.toLowerCase()}"`);
  for (const p of f.bgpPeers) {
    s(`protocols bgp group EBGP neighbor ${p.ip} description "${p.description}"`);
    s(`protocols bgp group EBGP neighbor ${p.ip} peer-as ${p.asn}`);
  }
  s('protocols lldp interface all');
  const pad = Math.max(4, target > 0 ? target - out.length : rng.int(6, 14));
  for (let i = 1; i <= pad; i++) {
    s(
      `firewall family inet filter MGMT-IN term t${i} from source-address 10.${(i >> 8) & 255}.${i & 255}.0/24`,
    );
  }
  s('firewall family inet filter MGMT-IN term t-final then accept');
  return out;
}

/** Mask for IOS `ip address A M` lines. */
export { maskOf };
