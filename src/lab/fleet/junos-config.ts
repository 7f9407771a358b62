/**
 * Junos configuration kept as `set` lines and rendered as the braces hierarchy `show configuration`
 * prints. Words listed in VALUE_WORDS take the next word as their value (`unit 0`, `host-name x`).
 */
const VALUE_WORDS = new Set([
  'version',
  'host-name',
  'encrypted-password',
  'user',
  'uid',
  'class',
  'server',
  'file',
  'secret',
  'community',
  'authorization',
  'location',
  'unit',
  'family',
  'address',
  'description',
  'router-id',
  'autonomous-system',
  'group',
  'type',
  'authentication-key',
  'neighbor',
  'peer-as',
  'interface',
  'filter',
  'term',
  'source-address',
  'members',
  'vlan',
  'mtu',
  'tacplus-server',
  'local-address',
  'root-login',
  'any',
  'time-zone',
  'name-server',
  'export',
  'import',
  'policy-statement',
  'from',
  'then',
  'prefix-list',
  'route',
  'next-hop',
  'static',
]);

// Containers whose name is followed by a value but which nest further (`family inet { … }`).
const CONTAINER_VALUES = new Set([
  'unit',
  'family',
  'user',
  'group',
  'neighbor',
  'interface',
  'filter',
  'term',
  'file',
  'tacplus-server',
  'policy-statement',
  'route',
  'prefix-list',
  'community',
  'server',
]);

export function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"[^"]*"|\S+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[0]);
  return out;
}

/** The statements of one set line (after `set`), pairing value words with their value. */
export function statementPath(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (VALUE_WORDS.has(w) && i + 1 < words.length && !(w === 'from' || w === 'then')) {
      out.push(`${w} ${words[i + 1]}`);
      i++;
    } else out.push(w);
  }
  return out;
}

interface Node {
  name: string;
  children: Map<string, Node>;
}

export function renderBraces(setLines: readonly string[]): string[] {
  const root: Node = { name: '', children: new Map() };
  for (const l of setLines) {
    const words = tokenize(l);
    if (words[0] !== 'set') continue;
    let node = root;
    for (const s of statementPath(words.slice(1))) {
      let next = node.children.get(s);
      if (!next) {
        next = { name: s, children: new Map() };
        node.children.set(s, next);
      }
      node = next;
    }
  }
  const out: string[] = [];
  const walk = (n: Node, depth: number) => {
    const ind = '    '.repeat(depth);
    for (const c of n.children.values()) {
      if (c.children.size === 0) out.push(`${ind}${c.name};`);
      else {
        out.push(`${ind}${c.name} {`);
        walk(c, depth + 1);
        out.push(`${ind}}`);
      }
    }
  };
  walk(root, 0);
  return out;
}

/** Applies `set …` / `delete …` to a candidate. Returns an error text for anything else. */
export function applyJunosEdit(candidate: string[], line: string): string | null {
  const words = tokenize(line.trim());
  const verb = words[0];
  if (verb === 'set') {
    if (words.length < 3) return 'syntax error, expecting <statement>.';
    const stmt = statementPath(words.slice(1));
    const text = `set ${words.slice(1).join(' ')}`;
    if (candidate.includes(text)) return null;
    // A leaf with a value replaces the old value of the same leaf.
    const last = stmt[stmt.length - 1]!;
    const lastWord = last.split(' ')[0]!;
    if (VALUE_WORDS.has(lastWord) && !CONTAINER_VALUES.has(lastWord) && last.includes(' ')) {
      const prefix = [...stmt.slice(0, -1), lastWord].join(' ');
      const idx = candidate.findIndex(
        (c) =>
          statementPath(tokenize(c).slice(1)).join(' ').startsWith(`${prefix} `) &&
          statementPath(tokenize(c).slice(1)).length === stmt.length,
      );
      if (idx !== -1) {
        candidate[idx] = text;
        return null;
      }
    }
    candidate.push(text);
    return null;
  }
  if (verb === 'delete') {
    const path = words.slice(1).join(' ');
    if (!path) return 'syntax error.';
    const before = candidate.length;
    for (let i = candidate.length - 1; i >= 0; i--) {
      const c = candidate[i]!.slice(4);
      if (c === path || c.startsWith(`${path} `)) candidate.splice(i, 1);
    }
    return before === candidate.length ? 'warning: statement not found' : null;
  }
  return null;
}

/** `show | compare` between the active config and a candidate, Junos style. */
export function compareSets(active: readonly string[], candidate: readonly string[]): string {
  const a = new Set(active);
  const c = new Set(candidate);
  const sections = new Map<string, string[]>();
  const add = (line: string, sign: string) => {
    const stmt = statementPath(tokenize(line).slice(1));
    const key = `[edit ${stmt.slice(0, -1).join(' ')}]`.replace(' ]', ']');
    const list = sections.get(key) ?? [];
    list.push(`${sign}  ${stmt[stmt.length - 1]};`);
    sections.set(key, list);
  };
  for (const l of active) if (!c.has(l)) add(l, '-');
  for (const l of candidate) if (!a.has(l)) add(l, '+');
  const out: string[] = [];
  for (const [k, v] of sections) out.push(k, ...v);
  return out.join('\n');
}
