import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const SRC = join(ROOT, 'src');

/** Modules the queue must never know: it runs jobs, the composition root hands them their services. */
const DOMAIN = ['devices', 'snmp', 'configs', 'charts', 'inventory', 'metrics', 'slack', 'lab', 'services'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every relative specifier a file imports or re-exports, type-only ones included (they are dependencies too). */
function specifiers(text: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) {
    const s = m[1] ?? m[2] ?? m[3];
    if (s?.startsWith('.')) out.push(s);
  }
  return out;
}

/** The node a src/ file belongs to: its top folder, or its own name for files at the top (config, errors…). */
function nodeOf(file: string): string | undefined {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return undefined;
  const [head, ...rest] = rel.split('/');
  return rest.length ? head! : head!.replace(/\.[tj]s$/, '.ts');
}

type Graph = Map<string, Map<string, string[]>>;

function srcGraph(): Graph {
  const g: Graph = new Map();
  for (const file of files(SRC)) {
    const from = nodeOf(file)!;
    if (!g.has(from)) g.set(from, new Map());
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      const to = nodeOf(resolve(dirname(file), spec));
      if (!to || to === from) continue;
      const edges = g.get(from)!;
      edges.set(to, [...(edges.get(to) ?? []), `${relative(ROOT, file)} → ${spec}`]);
    }
  }
  return g;
}

/** Strongly connected components with more than one node (Tarjan): each is an import circle. */
function circles(g: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('module boundaries', () => {
  const graph = srcGraph();

  it('finds circles when there are some (the checker itself works)', () => {
    const g = new Map([
      ['a', new Map([['b', 1]])],
      ['b', new Map([['c', 1]])],
      ['c', new Map([['a', 1]])],
      ['d', new Map([['a', 1]])],
    ]);
    expect(circles(g)).toEqual([['a', 'b', 'c']]);
    expect(
      specifiers(
        `import type { X } from '../queue/types.js';\nexport { y } from "./y.js";\nconst z = await import('../z.js');`,
      ),
    ).toEqual(['../queue/types.js', './y.js', '../z.js']);
  });

  it('has no import circle between src/ folders (or the files at the top of src/)', () => {
    const found = circles(graph).map((comp) => {
      const lines = comp.flatMap((a) =>
        comp.flatMap((b) => (graph.get(a)?.get(b) ?? []).map((why) => `  ${a} → ${b}: ${why}`)),
      );
      return `circle ${comp.join(' ↔ ')}\n${lines.join('\n')}`;
    });
    expect(found, found.join('\n')).toEqual([]);
  });

  it('keeps the queue free of domain modules', () => {
    const bad = DOMAIN.flatMap((d) => graph.get('queue')?.get(d) ?? []);
    expect(bad).toEqual([]);
  });

  it('lets jobs and commands reach src/ only through a folder index or a top-level file, never Bolt', () => {
    const bad: string[] = [];
    for (const dir of ['jobs', 'commands']) {
      for (const file of files(join(ROOT, dir))) {
        const text = readFileSync(file, 'utf8');
        if (/from\s*['"]@slack\/bolt['"]/.test(text)) bad.push(`${relative(ROOT, file)} imports @slack/bolt`);
        for (const spec of specifiers(text)) {
          const rel = relative(SRC, resolve(dirname(file), spec));
          if (rel.startsWith('..')) continue;
          const parts = rel.split('/');
          if (parts.length > 2 || (parts.length === 2 && parts[1] !== 'index.js'))
            bad.push(`${relative(ROOT, file)} → ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
