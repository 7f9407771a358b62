import type { ChartConfiguration, ChartDataset, LegendItem, ScaleOptions } from 'chart.js';
import type { Point } from '../metrics/downsample.js';
import type { DataLabel } from './plugins.js';
import { type Theme, type ThemeName, theme as pickTheme } from './theme.js';
import {
  bitUnit,
  formatBits,
  formatDate,
  formatPercent,
  formatTick,
  niceCeil,
  rateUnit,
  shortNumber,
  timeTicks,
} from './units.js';

/**
 * Chart specs: series in, chart.js configuration out. Pure (the only functions inside are tick
 * formatters). Every chart uses a linear x axis on epoch ms with ticks placed and labelled here
 * in the configured timezone, so no date adapter is needed; values arrive already downsampled
 * to at most a few points per pixel (src/metrics/downsample.ts).
 */

export type ChartSpec = ChartConfiguration;

export interface ChartBase {
  title: string;
  subtitle?: string;
  /** IANA timezone for the time axis ('UTC' when absent). */
  timezone?: string;
  theme?: ThemeName;
}

export interface TimeRange {
  from: number;
  to: number;
}

export interface NamedSeries {
  label: string;
  points: readonly Point[];
  color?: string;
  dashed?: boolean;
}

type LinearScale = ScaleOptions<'linear'>;

const FONT_FAMILY = '"DejaVu Sans", "Helvetica Neue", Arial, sans-serif';

function baseOptions(t: Theme, c: ChartBase) {
  return {
    animation: false as const,
    responsive: false,
    devicePixelRatio: 1,
    parsing: false as const,
    normalized: true,
    spanGaps: false,
    font: { family: FONT_FAMILY },
    layout: { padding: { top: 4, right: 16, bottom: 4, left: 8 } },
    elements: { point: { radius: 0 }, line: { borderWidth: 1.5, tension: 0 } },
    plugins: {
      title: {
        display: true,
        text: c.title,
        color: t.text,
        font: { size: 17, weight: 'bold' as const },
        align: 'start' as const,
      },
      subtitle: {
        display: Boolean(c.subtitle),
        text: c.subtitle ?? '',
        color: t.mutedText,
        font: { size: 13 },
        align: 'start' as const,
        padding: { bottom: 8 },
      },
      legend: {
        display: true,
        position: 'top' as const,
        align: 'end' as const,
        labels: {
          color: t.text,
          boxWidth: 14,
          boxHeight: 3,
          font: { size: 13 },
          filter: (item: LegendItem) => Boolean(item.text),
        },
      },
      tooltip: { enabled: false },
      decimation: { enabled: false },
      netopsBackground: { color: t.background },
      netopsLabels: { items: [] as DataLabel[] },
    },
  };
}

function timeAxis(t: Theme, r: TimeRange, tz: string): LinearScale {
  const span = r.to - r.from;
  return {
    type: 'linear',
    min: r.from,
    max: r.to,
    grid: { color: t.grid },
    border: { color: t.grid },
    title: {
      display: true,
      text: tz === 'UTC' ? 'UTC' : `time (${tz})`,
      color: t.mutedText,
      font: { size: 12 },
    },
    ticks: {
      color: t.text,
      maxRotation: 0,
      autoSkip: false,
      font: { size: 12 },
      callback: (v) => formatTick(Number(v), span, tz),
    },
    afterBuildTicks: (axis) => {
      axis.ticks = timeTicks(r.from, r.to, tz).map((value) => ({ value }));
    },
  };
}

function bitsAxis(t: Theme, max: number, position: 'left' | 'right' = 'left'): LinearScale {
  const top = niceCeil(max > 0 ? max * 1.05 : 1);
  const unit = bitUnit(top);
  return {
    type: 'linear',
    position,
    min: 0,
    max: top,
    grid: { color: t.grid },
    border: { color: t.grid },
    title: { display: true, text: unit.suffix, color: t.mutedText, font: { size: 12 } },
    ticks: { color: t.text, font: { size: 12 }, callback: (v) => shortNumber(Number(v) / unit.div) },
  };
}

function percentAxis(t: Theme, maxPercent: number, position: 'left' | 'right'): LinearScale {
  return {
    type: 'linear',
    position,
    display: true,
    min: 0,
    max: maxPercent,
    grid: { drawOnChartArea: false, color: t.grid },
    border: { color: t.grid },
    title: { display: true, text: '% of speed', color: t.mutedText, font: { size: 12 } },
    ticks: { color: t.text, font: { size: 12 }, callback: (v) => `${shortNumber(Number(v))}%` },
  };
}

const SCALE_WORD: Record<number, string> = { 1e3: 'thousand ', 1e6: 'million ' };

function rateAxis(t: Theme, max: number, noun: string): LinearScale {
  const top = niceCeil(max > 0 ? max * 1.05 : 1);
  const unit = rateUnit(top);
  return {
    type: 'linear',
    min: 0,
    max: top,
    grid: { color: t.grid },
    border: { color: t.grid },
    title: {
      display: true,
      text: `${SCALE_WORD[unit.div] ?? ''}${noun}/s`,
      color: t.mutedText,
      font: { size: 12 },
    },
    ticks: { color: t.text, font: { size: 12 }, callback: (v) => shortNumber(Number(v) / unit.div) },
  };
}

function maxOf(...lists: (readonly Point[] | undefined)[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const l of lists) for (const p of l ?? []) if (Number.isFinite(p.y) && p.y > m) m = p.y;
  return Number.isFinite(m) ? m : 0;
}

function line(
  label: string,
  points: readonly Point[],
  color: string,
  extra: Partial<ChartDataset<'line'>> = {},
) {
  return {
    type: 'line' as const,
    label,
    data: points as Point[],
    borderColor: color,
    backgroundColor: color,
    pointRadius: 0,
    borderWidth: 1.5,
    fill: false,
    order: 2,
    ...extra,
  } as ChartDataset<'line', Point[]>;
}

// ---------------------------------------------------------------------------------------------

export interface UtilisationInput extends ChartBase, TimeRange {
  inbound: readonly Point[];
  outbound: readonly Point[];
  /** Interface speed (bits/s): adds the % of speed axis on the right. */
  speedBps?: number | null;
  /** Expected range from the anomaly detector, drawn as a shaded band. */
  band?: { upper: readonly Point[]; lower: readonly Point[] };
  /** Points the detector flagged, drawn as markers. */
  anomalies?: readonly Point[];
}

/** Interface utilisation: in/out bits/s, % of speed on the right, anomaly band and markers. */
export function utilisationChart(input: UtilisationInput): ChartSpec {
  const t = pickTheme(input.theme);
  const tz = input.timezone ?? 'UTC';
  const datasets: ChartDataset<'line' | 'scatter', Point[]>[] = [];
  if (input.anomalies?.length) {
    datasets.push({
      type: 'scatter',
      label: 'anomaly',
      data: input.anomalies as Point[],
      pointRadius: 5,
      pointHoverRadius: 5,
      pointStyle: 'circle',
      borderColor: t.anomaly,
      backgroundColor: t.anomaly,
      order: 0,
    });
  }
  datasets.push(
    line('in', input.inbound, t.inbound, { order: 1 }),
    line('out', input.outbound, t.outbound, { order: 1 }),
  );
  if (input.band) {
    // upper then lower filled back to it ('-1' = the previous dataset)
    datasets.push(
      line('', input.band.upper, 'rgba(0,0,0,0)', { borderWidth: 0, order: 3 }),
      line('expected range', input.band.lower, 'rgba(0,0,0,0)', {
        borderWidth: 0,
        backgroundColor: t.band,
        fill: '-1',
        order: 3,
      }),
    );
  }
  const max = maxOf(input.inbound, input.outbound, input.band?.upper, input.anomalies);
  const y = bitsAxis(t, max);
  const scales: Record<string, LinearScale> = { x: timeAxis(t, input, tz), y };
  if (input.speedBps && input.speedBps > 0)
    scales.y1 = percentAxis(t, ((y.max as number) / input.speedBps) * 100, 'right');
  const options = baseOptions(t, input);
  return {
    type: 'line',
    data: { datasets: datasets as ChartDataset<'line', Point[]>[] },
    options: { ...options, scales },
  } as ChartSpec;
}

// ---------------------------------------------------------------------------------------------

export interface ForecastInput extends ChartBase, TimeRange {
  /** Observed values (bits/s), e.g. daily p95. */
  history: readonly Point[];
  /** Projected values from the last observation on. */
  projection: readonly Point[];
  /** Confidence band around the projection. */
  band?: { upper: readonly Point[]; lower: readonly Point[] };
  thresholdBps: number;
  thresholdLabel?: string;
  /** When the projection crosses the threshold (epoch ms), null when it does not in range. */
  crossingAt: number | null;
  speedBps?: number | null;
}

/** Capacity forecast: history, dashed projection, threshold line, crossing date annotated. */
export function forecastChart(input: ForecastInput): ChartSpec {
  const t = pickTheme(input.theme);
  const tz = input.timezone ?? 'UTC';
  const threshold = [
    { x: input.from, y: input.thresholdBps },
    { x: input.to, y: input.thresholdBps },
  ];
  const datasets: ChartDataset<'line', Point[]>[] = [
    line('observed', input.history, t.inbound, { order: 1 }),
    line('projection', input.projection, t.forecast, { borderDash: [7, 5], borderWidth: 2, order: 1 }),
    line(input.thresholdLabel ?? `threshold ${formatBits(input.thresholdBps)}`, threshold, t.threshold, {
      borderDash: [2, 3],
      borderWidth: 1.5,
      order: 2,
    }),
  ];
  if (input.band) {
    datasets.push(
      line('', input.band.upper, 'rgba(0,0,0,0)', { borderWidth: 0, order: 3 }),
      line('likely range', input.band.lower, 'rgba(0,0,0,0)', {
        borderWidth: 0,
        backgroundColor: 'rgba(213, 94, 0, 0.12)',
        fill: '-1',
        order: 3,
      }),
    );
  }
  const max = Math.max(maxOf(input.history, input.projection, input.band?.upper), input.thresholdBps);
  const y = bitsAxis(t, max);
  const options = baseOptions(t, input);
  if (input.crossingAt !== null && input.crossingAt >= input.from && input.crossingAt <= input.to) {
    datasets.push(
      line(
        '',
        [
          { x: input.crossingAt, y: 0 },
          { x: input.crossingAt, y: y.max as number },
        ],
        t.anomaly,
        { borderWidth: 1.5, borderDash: [4, 3], order: 2 },
      ),
      {
        type: 'line',
        label: '',
        data: [{ x: input.crossingAt, y: input.thresholdBps }],
        pointRadius: 6,
        borderColor: t.anomaly,
        backgroundColor: t.anomaly,
        showLine: false,
        order: 0,
      } as ChartDataset<'line', Point[]>,
    );
    const rightHalf = input.crossingAt > (input.from + input.to) / 2;
    options.plugins.netopsLabels.items.push({
      x: input.crossingAt,
      y: 'top',
      text: `crosses ${formatBits(input.thresholdBps)} on ${formatDate(input.crossingAt, tz)}`,
      color: t.anomaly,
      align: rightHalf ? 'right' : 'left',
      dx: rightHalf ? -8 : 8,
      bold: true,
    });
  }
  const scales: Record<string, LinearScale> = { x: timeAxis(t, input, tz), y };
  if (input.speedBps && input.speedBps > 0)
    scales.y1 = percentAxis(t, ((y.max as number) / input.speedBps) * 100, 'right');
  return { type: 'line', data: { datasets }, options: { ...options, scales } } as ChartSpec;
}

// ---------------------------------------------------------------------------------------------

export interface CompareInput extends ChartBase, TimeRange {
  series: readonly NamedSeries[];
  /** 'bits': values in bits/s; 'percent': values already in % of speed; 'rate': events per second. */
  unit: 'bits' | 'percent' | 'rate';
  /** What a 'rate' counts ("errors"). */
  rateNoun?: string;
}

/** Several interfaces or devices on one time axis. */
export function compareChart(input: CompareInput): ChartSpec {
  const t = pickTheme(input.theme);
  const tz = input.timezone ?? 'UTC';
  const datasets = input.series.map((s, i) =>
    line(s.label, s.points, s.color ?? t.palette[i % t.palette.length]!, {
      order: 1,
      ...(s.dashed ? { borderDash: [6, 4] } : {}),
    }),
  );
  const max = maxOf(...input.series.map((s) => s.points));
  const y =
    input.unit === 'percent'
      ? percentAxis(t, Math.max(10, Math.min(100, niceCeil(max * 1.05))), 'left')
      : bitsAxis(t, max);
  if (input.unit === 'percent') y.grid = { color: t.grid, drawOnChartArea: true };
  const options = baseOptions(t, input);
  return {
    type: 'line',
    data: { datasets },
    options: { ...options, scales: { x: timeAxis(t, input, tz), y } },
  } as ChartSpec;
}

// ---------------------------------------------------------------------------------------------

export interface TopNItem {
  label: string;
  /** bits/s */
  value: number;
  /** 0..1 of speed, null when the speed is unknown. */
  util: number | null;
}

export interface TopNInput extends ChartBase {
  items: readonly TopNItem[];
  /** Colour bars at or above these utilisations (defaults 0.7 and 0.9). */
  warnAt?: number;
  critAt?: number;
}

/** Top-N as horizontal bars: % of speed when every speed is known, else bits/s. */
export function topNChart(input: TopNInput): ChartSpec {
  const t = pickTheme(input.theme);
  const byUtil = input.items.length > 0 && input.items.every((i) => i.util !== null);
  const values = input.items.map((i) => (byUtil ? (i.util ?? 0) * 100 : i.value));
  const warn = input.warnAt ?? 0.7;
  const crit = input.critAt ?? 0.9;
  const colors = input.items.map((i) =>
    i.util !== null && i.util >= crit
      ? t.anomaly
      : i.util !== null && i.util >= warn
        ? t.threshold
        : t.inbound,
  );
  const max = Math.max(0, ...values);
  const top = byUtil ? Math.max(10, Math.min(100, niceCeil(max * 1.15))) : niceCeil(max * 1.25);
  const unit = bitUnit(top);
  const options = baseOptions(t, input);
  options.plugins.legend.display = false;
  const axisMax = byUtil ? 100 : top;
  options.plugins.netopsLabels.items = input.items.map((i, idx) => {
    // long bars carry their label inside, so it never runs off the image
    const inside = values[idx]! > axisMax * 0.72;
    return {
      x: values[idx]!,
      y: idx,
      text: byUtil ? `${formatPercent(i.util ?? 0)}  ${formatBits(i.value)}` : formatBits(i.value),
      color: inside ? '#ffffff' : t.text,
      align: inside ? 'right' : 'left',
      dx: inside ? -8 : 6,
      bold: inside,
    };
  });
  const x: LinearScale = {
    type: 'linear',
    min: 0,
    max: axisMax,
    grid: { color: t.grid },
    border: { color: t.grid },
    title: {
      display: true,
      text: byUtil ? '% of speed' : unit.suffix,
      color: t.mutedText,
      font: { size: 12 },
    },
    ticks: {
      color: t.text,
      font: { size: 12 },
      callback: (v) => (byUtil ? `${shortNumber(Number(v))}%` : shortNumber(Number(v) / unit.div)),
    },
  };
  return {
    type: 'bar',
    data: {
      labels: input.items.map((i) => i.label),
      datasets: [
        {
          label: byUtil ? '% of speed' : 'bits/s',
          data: values,
          backgroundColor: colors,
          barPercentage: 0.75,
        },
      ],
    },
    options: {
      ...options,
      parsing: undefined,
      normalized: false,
      indexAxis: 'y',
      layout: { padding: { top: 4, right: 24, bottom: 4, left: 8 } },
      scales: {
        x,
        y: {
          type: 'category',
          grid: { display: false },
          border: { color: t.grid },
          ticks: { color: t.text, font: { size: 13 } },
        },
      },
    },
  } as unknown as ChartSpec;
}

// ---------------------------------------------------------------------------------------------

export interface ErrorsInput extends ChartBase, TimeRange {
  inErrors?: readonly Point[];
  outErrors?: readonly Point[];
  inDiscards?: readonly Point[];
  outDiscards?: readonly Point[];
}

/** Errors and discards per second, in solid and out dashed. */
export function errorsChart(input: ErrorsInput): ChartSpec {
  const t = pickTheme(input.theme);
  const tz = input.timezone ?? 'UTC';
  const datasets: ChartDataset<'line', Point[]>[] = [];
  if (input.inErrors) datasets.push(line('in errors', input.inErrors, t.errors, { order: 1 }));
  if (input.outErrors)
    datasets.push(line('out errors', input.outErrors, t.errors, { borderDash: [6, 4], order: 1 }));
  if (input.inDiscards) datasets.push(line('in discards', input.inDiscards, t.discards, { order: 1 }));
  if (input.outDiscards)
    datasets.push(line('out discards', input.outDiscards, t.discards, { borderDash: [6, 4], order: 1 }));
  const max = maxOf(input.inErrors, input.outErrors, input.inDiscards, input.outDiscards);
  const noun =
    input.inErrors || input.outErrors
      ? input.inDiscards || input.outDiscards
        ? 'packets'
        : 'errors'
      : 'discards';
  const options = baseOptions(t, input);
  return {
    type: 'line',
    data: { datasets },
    options: { ...options, scales: { x: timeAxis(t, input, tz), y: rateAxis(t, max, noun) } },
  } as ChartSpec;
}
