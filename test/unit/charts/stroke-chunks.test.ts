import type { Chart } from 'chart.js';
import { describe, expect, it } from 'vitest';
import { chunkedStrokePlugin, STROKE_CHUNK } from '../../../src/charts/plugins.js';

/** A context whose drawing calls are recorded, with lineTo/moveTo on its prototype as canvas has them. */
function fakeChart(options: Record<string, unknown>) {
  const calls: string[] = [];
  const proto = {
    lineTo(x: number, y: number) {
      calls.push(`L${x},${y}`);
    },
    moveTo(x: number, y: number) {
      calls.push(`M${x},${y}`);
    },
    stroke() {
      calls.push('S');
    },
    beginPath() {
      calls.push('B');
    },
  };
  const ctx = Object.create(proto) as typeof proto;
  const chart = { ctx } as unknown as Chart;
  const meta = { type: 'line', data: new Array(1000), dataset: { options } };
  const draw = (n: number) => {
    // what chart.js' line draw does between the plugin's two hooks
    (chunkedStrokePlugin.beforeDatasetDraw as (c: Chart, a: unknown, o: unknown) => void)(
      chart,
      { meta },
      {},
    );
    ctx.beginPath();
    ctx.moveTo(0, 0);
    for (let i = 1; i <= n; i++) ctx.lineTo(i, i);
    ctx.stroke();
    (chunkedStrokePlugin.afterDatasetDraw as (c: Chart, a: unknown, o: unknown) => void)(chart, { meta }, {});
  };
  return { ctx, calls, draw };
}

describe('chunkedStrokePlugin', () => {
  it('strokes a long line in pieces that meet end to end, then gives lineTo back', () => {
    const { ctx, calls, draw } = fakeChart({ fill: false });
    draw(STROKE_CHUNK * 2 + 5);
    expect(calls.filter((c) => c === 'S')).toHaveLength(3);
    // each piece starts where the last one ended
    const at = calls.indexOf('S');
    expect(calls.slice(at - 1, at + 3)).toEqual([
      `L${STROKE_CHUNK},${STROKE_CHUNK}`,
      'S',
      'B',
      `M${STROKE_CHUNK},${STROKE_CHUNK}`,
    ]);
    expect(calls.filter((c) => c.startsWith('L'))).toHaveLength(STROKE_CHUNK * 2 + 5);
    expect(Object.hasOwn(ctx, 'lineTo')).toBe(false);
  });

  it('leaves filled and dashed lines to chart.js', () => {
    for (const options of [{ fill: '-1' }, { fill: false, borderDash: [4, 3] }]) {
      const { calls, draw } = fakeChart(options);
      draw(STROKE_CHUNK * 3);
      expect(calls.filter((c) => c === 'S')).toHaveLength(1);
    }
  });
});
