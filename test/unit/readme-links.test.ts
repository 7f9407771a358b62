import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

describe('regression: the README linked ../shared/ARCHITECTURE.md, outside the repository', () => {
  it('every relative link in README.md and docs/ points inside the repository, at a file that exists', () => {
    for (const file of ['README.md', 'docs/architecture.md']) {
      const text = readFileSync(join(root, file), 'utf8');
      expect(text).not.toMatch(/\.\.\/shared/);
      const base = join(root, file, '..');
      for (const m of text.matchAll(/\]\(([^)#\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        expect(existsSync(join(base, target)), `${file} → ${target}`).toBe(true);
        expect(join(base, target).startsWith(root), `${file} → ${target}`).toBe(true);
      }
    }
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toMatch(/\(docs\/architecture\.md\)/);
  });
});
