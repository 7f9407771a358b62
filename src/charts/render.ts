import { Canvas, type PngConfig } from 'canvas';
import type { Chart, ChartConfiguration } from 'chart.js';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import { backgroundPlugin, chunkedStrokePlugin, labelsPlugin } from './plugins.js';
import type { ChartSpec } from './specs.js';

/**
 * chart.js on node-canvas → PNG. Creating a ChartJSNodeCanvas loads a fresh copy of chart.js
 * (tens of ms), so one is kept per size and reused for every chart of that size.
 */

export interface RenderOptions {
  width?: number;
  height?: number;
  /** Called once the chart is laid out (tests use it to find where a value was drawn). */
  probe?: (layout: ChartLayout) => void;
}

export interface ChartLayout {
  area: { left: number; top: number; right: number; bottom: number };
  /** Pixel of a value on the x / y scale. */
  x(value: number): number;
  y(value: number): number;
}

export interface ChartRenderer {
  render(spec: ChartSpec, options?: RenderOptions): Promise<Buffer>;
  /** Pixel width of the plot area a chart of this size gets: what to ask the query for. */
  plotWidth(width?: number): number;
}

export const DEFAULT_SIZE = { width: 1200, height: 600 } as const;

/**
 * PNG encoding: zlib level 3 with the "up" filter only. A chart is flat colour on a flat
 * background, so rows repeat the row above and "up" finds that; trying every filter at level 6
 * (libpng's default) took about 4x as long for a file ~20 % smaller (1200x600 utilisation chart
 * of 2 x 4,280 points: 56 ms → 13 ms, 80 KB → 98 KB, measured at load 9.7).
 */
export const PNG_OPTIONS: PngConfig = { compressionLevel: 3, filters: Canvas.PNG_FILTER_UP };

/** chartjs-node-canvas's own render step (not in its typings): chart.js drawn on a fresh canvas. */
interface ChartRenderStep {
  renderChart(config: ChartConfiguration): Chart;
}

export function createChartRenderer(defaults: RenderOptions = {}): ChartRenderer {
  const canvases = new Map<string, ChartJSNodeCanvas>();
  const dflt = {
    width: defaults.width ?? DEFAULT_SIZE.width,
    height: defaults.height ?? DEFAULT_SIZE.height,
  };

  function canvasFor(width: number, height: number): ChartJSNodeCanvas {
    const key = `${width}x${height}`;
    let c = canvases.get(key);
    if (!c) {
      c = new ChartJSNodeCanvas({
        width,
        height,
        chartCallback: (ChartJS) => {
          ChartJS.register(backgroundPlugin, labelsPlugin, chunkedStrokePlugin);
          ChartJS.defaults.font.family = '"DejaVu Sans", "Helvetica Neue", Arial, sans-serif';
        },
      });
      canvases.set(key, c);
    }
    return c;
  }

  return {
    async render(spec, options = {}) {
      const width = options.width ?? dflt.width;
      const height = options.height ?? dflt.height;
      if (
        !Number.isInteger(width) ||
        !Number.isInteger(height) ||
        width < 100 ||
        height < 100 ||
        width * height > 16e6
      ) {
        throw new RangeError(`chart size ${width}x${height} is out of bounds`);
      }
      let config = spec as ChartConfiguration;
      const probe = options.probe;
      if (probe) {
        config = {
          ...config,
          plugins: [
            ...(config.plugins ?? []),
            {
              id: 'netopsProbe',
              afterRender(chart) {
                const { left, top, right, bottom } = chart.chartArea;
                const xs = chart.scales.x!;
                const ys = chart.scales.y!;
                probe({
                  area: { left, top, right, bottom },
                  x: (v) => xs.getPixelForValue(v),
                  y: (v) => ys.getPixelForValue(v),
                });
              },
            },
          ],
        };
      }
      // synchronous: the work is CPU-bound either way. renderToBufferSync would encode with
      // libpng's defaults, so the chart is drawn by the same step and encoded here.
      const chart = (canvasFor(width, height) as unknown as ChartRenderStep).renderChart(config);
      try {
        return (chart.canvas as unknown as Canvas).toBuffer('image/png', PNG_OPTIONS);
      } finally {
        chart.destroy();
      }
    },
    plotWidth(width = dflt.width) {
      // y axis labels and title on the left, % axis on the right: about 130 px of the width
      return Math.max(50, width - 130);
    },
  };
}
