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
