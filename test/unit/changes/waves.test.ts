import { describe, expect, it } from 'vitest';
import { changeHash, type DeviceDryRun, parseWaves, planWavesBy } from '../../../src/changes/index.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `d${String(i).padStart(2, '0')}`);

describe('planWavesBy', () => {
  it('1, 10%, rest over 25 devices: a canary, three (10% rounded up), then the other 21', () => {
    const w = planWavesBy(names(25), [1, '10%', 'rest']);
    expect(w.map((x) => x.length)).toEqual([1, 3, 21]);
    expect(w.flat()).toEqual(names(25));
  });

  it('the last step repeats until every device has a wave', () => {
    expect(planWavesBy(names(8), [1, 3]).map((x) => x.length)).toEqual([1, 3, 3, 1]);
    expect(planWavesBy(names(5), ['50%']).map((x) => x.length)).toEqual([3, 2]);
  });

  it('fewer devices than the plan has steps: no empty waves', () => {
    expect(planWavesBy(['a', 'b'], [1, '10%', 'rest'])).toEqual([['a'], ['b']]);
    expect(planWavesBy(['a'], [1, '10%', 'rest'])).toEqual([['a']]);
    expect(planWavesBy([], [1, 'rest'])).toEqual([]);
  });
});

describe('parseWaves', () => {
  it('reads counts, percentages and rest', () => {
    expect(parseWaves('1, 10%,REST')).toEqual({ steps: [1, '10%', 'rest'] });
  });

  it('names what is wrong', () => {
    expect(parseWaves('1,ten')).toEqual({ error: expect.stringContaining('`ten`') });
    expect(parseWaves('rest,1')).toEqual({ error: expect.stringContaining('last') });
    expect(parseWaves('0')).toHaveProperty('error');
    expect(parseWaves('101%')).toHaveProperty('error');
  });
});

describe('changeHash with a plan', () => {
  const dry: DeviceDryRun[] = [
    { device: 'a', vendor: 'frr', diff: '+x', added: 1, removed: 0, versionId: 1, check: null },
  ];
  it('binds per-device lines and waves; without them it is the hash it always was', () => {
    const plain = changeHash(['a'], 'x', dry);
    expect(changeHash(['a'], 'x', dry, {})).toBe(plain);
    const h = changeHash(['a'], 'x', dry, { deviceLines: { a: 'x' }, waves: [1, 'rest'] });
    expect(h).not.toBe(plain);
    expect(changeHash(['a'], 'x', dry, { deviceLines: { a: 'y' }, waves: [1, 'rest'] })).not.toBe(h);
    expect(changeHash(['a'], 'x', dry, { deviceLines: { a: 'x' }, waves: [2, 'rest'] })).not.toBe(h);
  });
});
