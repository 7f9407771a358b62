import { formatBits, formatPercent, formatRate, formatWhen } from './units.js';

/**
 * The one line posted with a chart, and its alt text. Pure: figures in, sentences out.
 * "in: peak 8.2 Gbps (82%) at 14:05, p95 6.1 Gbps, avg 3.0 Gbps, now 4.4 Gbps"
 */

export interface SummaryFigures {
  /** "in", "out", "in errors"… */
  label: string;
  peak: number;
  peakAt: number;
  p95: number;
  avg: number;
  current: number;
}

export interface SummaryContext {
  kind: 'bits' | 'rate';
  timezone: string;
  rangeMs: number;
  /** Interface speed, for the % after the peak (bits only). */
  speedBps?: number | null;
}

function fmtValue(v: number, ctx: SummaryContext): string {
  return ctx.kind === 'bits' ? formatBits(v) : formatRate(v);
}

/** "peak 8.2 Gbps (82%) at 14:05, p95 6.1 Gbps, avg 3.0 Gbps, now 4.4 Gbps" */
export function figuresLine(f: SummaryFigures, ctx: SummaryContext): string {
  const pct = ctx.kind === 'bits' && ctx.speedBps ? ` (${formatPercent(f.peak / ctx.speedBps)})` : '';
  const parts = [`peak ${fmtValue(f.peak, ctx)}${pct} at ${formatWhen(f.peakAt, ctx.timezone, ctx.rangeMs)}`];
  if (Number.isFinite(f.p95)) parts.push(`p95 ${fmtValue(f.p95, ctx)}`);
  parts.push(`avg ${fmtValue(f.avg, ctx)}`, `now ${fmtValue(f.current, ctx)}`);
  return parts.join(', ');
}

/**
 * One line for several series: the busiest (by p95, else peak) in full, the others by their
 * peak only, so the line stays short enough for a notification.
 */
export function summaryLine(figures: readonly SummaryFigures[], ctx: SummaryContext): string {
  if (!figures.length) return 'no data in this range';
  const score = (f: SummaryFigures) => (Number.isFinite(f.p95) ? f.p95 : f.peak);
  const sorted = [...figures].sort((a, b) => score(b) - score(a));
  const [main, ...rest] = sorted;
  const head = `${main!.label}: ${figuresLine(main!, ctx)}`;
  if (!rest.length) return head;
  return `${head}; ${rest.map((f) => `${f.label} peak ${fmtValue(f.peak, ctx)}`).join(', ')}`;
}

export interface AltTextInput {
  /** "Line chart of inbound and outbound traffic" */
  what: string;
  subject: string;
  from: number;
  to: number;
  timezone: string;
  figures: readonly SummaryFigures[];
  kind: 'bits' | 'rate';
  speedBps?: number | null;
  extra?: string[];
}

/** Alt text for screen readers (and Slack when the image cannot load). Capped at 1000 chars. */
export function altText(input: AltTextInput): string {
  const ctx: SummaryContext = {
    kind: input.kind,
    timezone: input.timezone,
    rangeMs: Number.POSITIVE_INFINITY,
    speedBps: input.speedBps ?? null,
  };
  const when = (t: number) => formatWhen(t, input.timezone, Number.POSITIVE_INFINITY);
  const parts = [
    `${input.what} for ${input.subject}, ${when(input.from)} to ${when(input.to)} (${input.timezone}).`,
  ];
  if (input.kind === 'bits' && input.speedBps) parts.push(`Interface speed ${formatBits(input.speedBps)}.`);
  for (const f of input.figures) parts.push(`${capitalise(f.label)}: ${figuresLine(f, ctx)}.`);
  if (!input.figures.length) parts.push('No samples in this range.');
  parts.push(...(input.extra ?? []));
  const text = parts.join(' ');
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
