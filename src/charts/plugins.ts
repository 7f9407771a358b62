import type { Chart, ChartType, Plugin } from 'chart.js';

/**
 * Two small chart.js plugins instead of a dependency: an opaque background (so the PNG reads
 * on Slack's light and dark themes alike) and text labels anchored at data coordinates (the
 * forecast's crossing date, top-N values).
 */

export interface BackgroundOptions {
  color: string;
}

export interface DataLabel {
  /** Data coordinates on the x / y scales (a category index for bar charts). */
  x: number;
  /** A value, or 'top' for just inside the top of the plot area. */
  y: number | 'top';
  text: string;
  color: string;
  align?: 'left' | 'right' | 'center';
  /** Pixel nudge after positioning. */
  dx?: number;
  dy?: number;
  bold?: boolean;
}

export interface DataLabelsOptions {
  items: DataLabel[];
  font?: string;
}

declare module 'chart.js' {
  interface PluginOptionsByType<TType extends ChartType> {
    netopsBackground?: BackgroundOptions;
    netopsLabels?: DataLabelsOptions;
  }
}

export const backgroundPlugin: Plugin = {
  id: 'netopsBackground',
  beforeDraw(chart: Chart, _args, options: BackgroundOptions) {
    if (!options?.color) return;
    const { ctx } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = options.color;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

export const labelsPlugin: Plugin = {
  id: 'netopsLabels',
  afterDatasetsDraw(chart: Chart, _args, options: DataLabelsOptions) {
    const items = options?.items ?? [];
    if (!items.length) return;
    const { ctx, chartArea } = chart;
    const xScale = chart.scales.x;
    const yScale = chart.scales.y;
    if (!xScale || !yScale) return;
    ctx.save();
    for (const item of items) {
      const px = xScale.getPixelForValue(item.x) + (item.dx ?? 0);
      const py = (item.y === 'top' ? chartArea.top + 14 : yScale.getPixelForValue(item.y)) + (item.dy ?? 0);
      ctx.font = `${item.bold ? 'bold ' : ''}${options.font ?? '13px "DejaVu Sans", sans-serif'}`;
      ctx.fillStyle = item.color;
      ctx.textAlign = item.align ?? 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(item.text, px, py);
    }
    ctx.restore();
  },
};

/** Line-to calls per stroked piece of a long line (see chunkedStrokePlugin). */
export const STROKE_CHUNK = 64;

type LineTo = (x: number, y: number) => void;

/**
 * Strokes a long unfilled line in pieces of STROKE_CHUNK segments instead of one path. Cairo
 * rasterises a stroke's whole outline at once, and a pixel-sized M4 line (up to four points per
 * column, most of them vertical runs) gives it thousands of overlapping edges per scanline; in
 * pieces the same line strokes in about half the time (1200x600, 4,280 points: 50–60 ms → 25–31
 * ms at load 11–13). chart.js still builds the path (its fast path for points sharing a pixel
 * column); only `lineTo` is wrapped, while that dataset draws: every STROKE_CHUNK calls it
 * strokes what it has and starts again from the last point, so the pieces meet end to end.
 * Dashed, filled and curved lines are left to chart.js (a dash pattern would restart per piece).
 */
export const chunkedStrokePlugin: Plugin = {
  id: 'netopsChunkedStroke',
  beforeDatasetDraw(chart: Chart, args) {
    const meta = args.meta;
    if (meta.type !== 'line' || (meta.data?.length ?? 0) <= STROKE_CHUNK) return;
    const ds = meta.dataset as unknown as {
      options?: { fill?: unknown; borderDash?: number[]; tension?: number; stepped?: unknown };
    };
    const o = ds?.options;
    if (!o || o.fill || o.borderDash?.length || o.tension || o.stepped) return;
    const ctx = chart.ctx as unknown as { lineTo: LineTo; moveTo: LineTo; stroke(): void; beginPath(): void };
    const proto = Object.getPrototypeOf(ctx) as { lineTo: LineTo; moveTo: LineTo };
    const { lineTo, moveTo } = proto;
    let n = 0;
    ctx.lineTo = (x: number, y: number) => {
      lineTo.call(ctx, x, y);
      if (++n < STROKE_CHUNK) return;
      n = 0;
      ctx.stroke();
      ctx.beginPath();
      moveTo.call(ctx, x, y);
    };
  },
  afterDatasetDraw(chart: Chart) {
    // back to the prototype's own
    delete (chart.ctx as unknown as { lineTo?: LineTo }).lineTo;
  },
};
