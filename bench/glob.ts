// Glob matching: the worst a user can type against the longest names, and a typical glob over a
// large inventory. Prints one JSON object as its last line.
import { compileGlob } from '../src/inventory/index.js';
import { userRegExp } from '../src/bounded-regexp.js';

function time(fn: () => void, rounds: number): number {
  const t = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  return (performance.now() - t) / rounds;
}

const longName = `${'a'.repeat(252)}b`;
const worst = [
  `${'*a'.repeat(63)}c`,
  `${'*'.repeat(127)}Q`,
  `${'*?'.repeat(63)}Q`,
  `${'*[a-z]'.repeat(16)}Q`,
];
const worstMs = Math.max(
  ...worst.map((g) => {
    const glob = compileGlob(g);
    return time(() => glob.test(longName), 200);
  }),
);

const names = Array.from(
  { length: 10_000 },
  (_, i) => `${['core', 'edge', 'leaf'][i % 3]}${i}-${['ams', 'fra', 'lon'][i % 3]}`,
);
const typical = compileGlob('edge*-fra');
const typicalMs = time(() => names.filter((n) => typical.test(n)), 50);

const line = `${'a'.repeat(200)}!`;
const regexWorstMs = Math.max(
  ...['(a+)+$', '(a|aa)+$', '.*a.*a.*a.*a.*a.*a.*a.*aQ'].map((p) => {
    const re = userRegExp(p);
    return time(() => re.test(line), 20);
  }),
);

console.log(
  JSON.stringify({
    glob_worst_case_match_ms: Number(worstMs.toFixed(4)),
    glob_filter_10k_names_ms: Number(typicalMs.toFixed(3)),
    user_regex_worst_case_ms: Number(regexWorstMs.toFixed(3)),
  }),
);
