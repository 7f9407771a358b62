/**
 * A hierarchy-aware model of IOS-like configurations (IOS-XE, NX-OS, EOS, FRR): the running config
 * as a tree of indented blocks, the user's config-mode lines applied to it the way the device's
 * parser would (blocks entered, single-valued settings replaced, `no …` removes), and the diff
 * between two trees with each change shown under its block header. Pure: text in, text out.
 *
 * Used where the device has no candidate configuration to ask (dry run), and to compute the
 * commands that restore a backup where the device has no rollback of its own (FRR).
 */

export interface ConfigNode {
  text: string;
  children: ConfigNode[];
}

/** Settings that hold one value: setting them again replaces the old line (`description`, `ip address`). */
const SINGLE_VALUED = [
  'description',
  'ip address',
  'ipv6 address',
  'mtu',
  'speed',
  'duplex',
  'switchport mode',
  'switchport access vlan',
  'vrf member',
  'vrf forwarding',
  'encapsulation',
  'bandwidth',
  'bgp router-id',
  'router-id',
  'hostname',
  'ip domain name',
  'ip domain-name',
  'logging buffered',
  'snmp-server location',
  'snmp-server contact',
  'clock timezone',
  'banner motd',
  'exec-timeout',
  'transport input',
  'name',
];

/** Lines that open a block even before they have children (so a new block is recognised). */
const BLOCK_HEADER =
  /^(?:interface \S+|router \S+(?: \S+)?|line .+|vlan \d+|ip(?:v6)? access-list(?: extended| standard)? \S+|vrf (?:definition |context )?\S+|route-map \S+(?: \S+ \d+)?|address-family .+|management \S+|class-map .+|policy-map .+|aaa group server \S+ \S+|key chain \S+|neighbor \S+$)/;

/** Lines a parser ignores: comments, separators, FRR's block terminators. */
function ignorable(t: string): boolean {
  return (
    t === '' ||
    t.startsWith('!') ||
    t === 'end' ||
    t === 'exit' ||
    t === 'exit-address-family' ||
    t === 'exit-vrf'
  );
}

const indentOf = (l: string) => /^\s*/.exec(l)![0].replace(/\t/g, '  ').length;

/** Parses configuration text into a tree by indentation. */
export function parseConfig(text: string): ConfigNode[] {
  const root: ConfigNode = { text: '', children: [] };
  const stack: Array<{ node: ConfigNode; indent: number }> = [{ node: root, indent: -1 }];
  for (const raw of text.replace(/\r/g, '').split('\n')) {
    const t = raw.trim();
    if (ignorable(t)) continue;
    const ind = indentOf(raw);
    while (stack.length > 1 && stack[stack.length - 1]!.indent >= ind) stack.pop();
    const node: ConfigNode = { text: t.replace(/\s+/g, ' '), children: [] };
    stack[stack.length - 1]!.node.children.push(node);
    stack.push({ node, indent: ind });
  }
  return root.children;
}

export function renderConfig(nodes: ConfigNode[], depth = 0): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    out.push(`${' '.repeat(depth)}${n.text}`);
    out.push(...renderConfig(n.children, depth + 1));
  }
  return out;
}

function clone(nodes: ConfigNode[]): ConfigNode[] {
  return nodes.map((n) => ({ text: n.text, children: clone(n.children) }));
}

function singleKey(text: string): string | undefined {
  return SINGLE_VALUED.find((k) => text === k || text.startsWith(`${k} `));
}

function setLine(level: ConfigNode[], text: string): ConfigNode {
  const existing = level.find((n) => n.text === text);
  if (existing) return existing;
  const key = singleKey(text);
  if (key) {
    const i = level.findIndex((n) => singleKey(n.text) === key);
    if (i !== -1) {
      const node = { text, children: level[i]!.children };
      level[i] = node;
      return node;
    }
  }
  // `shutdown` and `no shutdown` are one setting with two values.
  if (text === 'shutdown' || text === 'no shutdown') {
    const other = text === 'shutdown' ? 'no shutdown' : 'shutdown';
    const i = level.findIndex((n) => n.text === other);
    if (i !== -1) level.splice(i, 1);
    if (text === 'no shutdown') return { text, children: [] };
  }
  const node = { text, children: [] };
  level.push(node);
  return node;
}

function removeLine(level: ConfigNode[], rest: string): void {
  if (rest === 'shutdown') {
    const i = level.findIndex((n) => n.text === 'shutdown');
    if (i !== -1) level.splice(i, 1);
    return;
  }
  const key = singleKey(rest);
  for (let i = level.length - 1; i >= 0; i--) {
    const t = level[i]!.text;
    if (t === rest || t.startsWith(`${rest} `) || (key !== undefined && singleKey(t) === key && rest === key))
      level.splice(i, 1);
  }
}

/**
 * Applies config-mode lines to a copy of `running`. Indentation in the lines is honoured when
 * present; otherwise a line that opens a block enters it, `exit` leaves it, and a top-level word
 * typed inside a block leaves it first, as the device's parser does.
 */
export function applyLines(running: ConfigNode[], lines: string[]): ConfigNode[] {
  const root = clone(running);
  const topWords = new Set(root.map((n) => n.text.split(' ')[0]!));
  let path: Array<{ node: ConfigNode; indent: number }> = [];
  const level = () => (path.length ? path[path.length - 1]!.node.children : root);
  for (const raw of lines) {
    const t = raw.trim().replace(/\s+/g, ' ');
    if (t === '' || t.startsWith('!')) continue;
    if (t === 'end') {
      path = [];
      continue;
    }
    if (t === 'exit' || t === 'exit-address-family' || t === 'exit-vrf') {
      path.pop();
      continue;
    }
    const ind = indentOf(raw);
    if (ind > 0) {
      while (path.length && path[path.length - 1]!.indent >= ind) path.pop();
    } else if (path.length) {
      // Unindented: stay in the block only for lines that cannot be top-level commands.
      const word = t.replace(/^no /, '').split(' ')[0]!;
      if (BLOCK_HEADER.test(t.replace(/^no /, '')) && !/^(?:address-family|neighbor) /.test(t)) path = [];
      else if (topWords.has(word) && !['description', 'shutdown', 'ip', 'ipv6', 'no'].includes(word))
        path = [];
    }
    if (t.startsWith('no ') && !(t === 'no shutdown' && path.length)) {
      removeLine(level(), t.slice(3));
      continue;
    }
    const node = setLine(level(), t);
    if (BLOCK_HEADER.test(t)) path.push({ node, indent: ind });
  }
  return root;
}

export interface TreeDiff {
  /** Unified-style lines: ` ` context headers, `+` added, `-` removed, indented by depth. */
  lines: string[];
  added: number;
  removed: number;
}

/** The difference between two trees, each change under its block headers. */
export function diffTrees(before: ConfigNode[], after: ConfigNode[]): TreeDiff {
  const out: TreeDiff = { lines: [], added: 0, removed: 0 };
  const walk = (
    a: ConfigNode[],
    b: ConfigNode[],
    depth: number,
    headers: Array<{ text: string; depth: number }>,
  ) => {
    const bMap = new Map(b.map((n) => [n.text, n] as const));
    const aMap = new Map(a.map((n) => [n.text, n] as const));
    let shown = false;
    const header = () => {
      if (shown) return;
      shown = true;
      for (const h of headers) out.lines.push(` ${' '.repeat(h.depth)}${h.text}`);
      headers.length = 0;
    };
    const all = (n: ConfigNode, sign: '+' | '-', d: number) => {
      out.lines.push(`${sign}${' '.repeat(d)}${n.text}`);
      if (sign === '+') out.added++;
      else out.removed++;
      for (const c of n.children) all(c, sign, d + 1);
    };
    for (const n of a) {
      if (!bMap.has(n.text)) {
        header();
        all(n, '-', depth);
      }
    }
    for (const n of b) {
      const old = aMap.get(n.text);
      if (!old) {
        header();
        all(n, '+', depth);
      } else if (n.children.length || old.children.length) {
        const before = out.lines.length;
        const pending = [...(shown ? [] : headers), { text: n.text, depth }];
        walk(old.children, n.children, depth + 1, pending);
        if (out.lines.length !== before) {
          shown = true;
          headers.length = 0;
        }
      }
    }
  };
  walk(before, after, 0, []);
  return out;
}

/**
 * Config-mode commands that turn `current` into `target`: `no` for what is only in current,
 * the line itself for what is only in target, each under its block headers. Used to restore a
 * backup on devices without a rollback of their own.
 */
export function commandsToReach(current: ConfigNode[], target: ConfigNode[]): string[] {
  const out: string[] = [];
  const walk = (a: ConfigNode[], b: ConfigNode[], headers: string[]) => {
    const bMap = new Map(b.map((n) => [n.text, n] as const));
    const aMap = new Map(a.map((n) => [n.text, n] as const));
    const emit = (cmds: string[]) => {
      if (!cmds.length) return;
      out.push(...headers, ...cmds, ...headers.map(() => 'exit'));
    };
    const removals: string[] = [];
    for (const n of a) {
      if (bMap.has(n.text)) continue;
      // A replaced single-valued setting is restored by setting the old value; no `no` needed.
      const key = singleKey(n.text);
      if (key && b.some((x) => singleKey(x.text) === key)) continue;
      removals.push(n.text.startsWith('no ') ? n.text.slice(3) : `no ${n.text}`);
    }
    emit(removals);
    const adds: string[] = [];
    const addAll = (n: ConfigNode, d: number) => {
      adds.push(`${' '.repeat(d)}${n.text}`);
      for (const c of n.children) addAll(c, d + 1);
      if (n.children.length) adds.push(`${' '.repeat(d)}exit`);
    };
    for (const n of b) {
      const old = aMap.get(n.text);
      if (!old) addAll(n, 0);
      else if (n.children.length || old.children.length) {
        emit(adds.splice(0));
        walk(old.children, n.children, [...headers, n.text]);
      }
    }
    emit(adds);
  };
  walk(current, target, []);
  return out;
}
