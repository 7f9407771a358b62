import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartConfiguration } from 'chart.js';
import { backgroundPlugin, labelsPlugin } from './plugins.js';
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
          ChartJS.register(backgroundPlugin, labelsPlugin);
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
      // renderToBufferSync: the work is CPU-bound either way, and the async variant only wraps it
      return canvasFor(width, height).renderToBufferSync(config, 'image/png');
    },
    plotWidth(width = dflt.width) {
      // y axis labels and title on the left, % axis on the right: about 130 px of the width
      return Math.max(50, width - 130);
    },
  };
}
