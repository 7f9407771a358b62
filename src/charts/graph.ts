import type { Pool } from 'pg';
import { metricsFor } from '../metrics/backend.js';
import type { Vendor } from '../config.js';
import { matchInterfaceName } from '../devices/index.js';
import { ErrorCode, NetopsError } from '../errors.js';
import { closest, compileGlob, isGlob } from '../inventory/index.js';
import { type Bucket, bucketsToM4, lttb, type Point, withGaps } from '../metrics/downsample.js';
import {
  type InterfaceRef,
  listInterfaces,
  METRIC_SETS,
  type MetricSet,
  type SeriesResult,
  type SeriesSummary,
} from '../metrics/query.js';
import type { FileUpload } from '../chat/index.js';
import type { ChartRenderer } from './render.js';
import {
  compareChart,
  errorsChart,
  forecastChart,
  type NamedSeries,
  topNChart,
  utilisationChart,
} from './specs.js';
import { altText, type SummaryFigures, summaryLine } from './summary.js';
import { THEMES, type ThemeName } from './theme.js';
import { formatBits, formatDate, formatRange, formatRate } from './units.js';

/**
 * From "what to draw" to a PNG with its summary line and alt text: resolves interfaces, queries
 * series sized to the plot width, picks the chart kind, renders. The `graph` job, incident
 * diagnostics and anomaly posts all go through here.
 */

export interface GraphEnv {
  pool: Pool;
  renderer: ChartRenderer;
  timezone: string;
  theme?: ThemeName;
  width?: number;
  height?: number;
}

export interface ChartFile extends FileUpload {
  filename: string;
  content: Buffer;
  altText: string;
  title: string;
  initialComment: string;
}

export interface GraphOutcome {
  /** One line for the progress message and audit. */
  summary: string;
  /** Set when there is nothing to draw (no samples), instead of an empty chart. */
  noData?: string;
  file?: ChartFile;
  /** Notes for the user (e.g. "showing 8 of 23 interfaces"). */
  notes: string[];
}

export const MAX_COMPARE = 8;

export interface Target {
  device: string;
  /** Interface name or glob. */
  iface: string;
  /** The device's vendor, for its interface abbreviations (`Gi1/0/1`). */
  vendor?: Vendor;
}

export interface Overlay {
  band?: { upper: Point[]; lower: Point[] };
  anomalies?: Point[];
}

const LABEL: Record<string, string> = {
  in_bps: 'in',
  out_bps: 'out',
  in_errors: 'in errors',
  out_errors: 'out errors',
  in_discards: 'in discards',
  out_discards: 'out discards',
  in_pps: 'in pps',
  out_pps: 'out pps',
};

const NOUN: Record<MetricSet, string> = {
  util: 'traffic',
  errors: 'errors',
  discards: 'discards',
  pps: 'packets',
};

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');
}

/** Resolves `iface` (a name or a glob) on a device to interfaces the poller knows. */
export async function resolveInterfaces(pool: Pool, t: Target): Promise<InterfaceRef[]> {
  const all = await listInterfaces(pool, t.device);
  if (isGlob(t.iface)) {
    const re = compileGlob(t.iface);
    return all.filter((i) => re.test(i.name) || (i.alias !== null && re.test(i.alias)));
  }
  const exact =
    all.find((i) => i.name === t.iface) ?? all.find((i) => i.name.toLowerCase() === t.iface.toLowerCase());
  if (exact) return [exact];
  const short = matchInterfaceName(
    t.vendor,
    t.iface,
    all.map((i) => i.name),
  );
  if (short) return all.filter((i) => i.name === short);
  if (/^\d+$/.test(t.iface)) {
    const byIndex = all.find((i) => i.ifindex === Number(t.iface));
    if (byIndex) return [byIndex];
  }
  const near = closest(
    t.iface,
    all.map((i) => i.name),
    3,
  );
  throw new NetopsError(ErrorCode.NOT_FOUND, `no interface ${t.iface} on ${t.device}`, {
    context: { device: t.device },
    userMessage: all.length
      ? `\`${t.device}\` has no interface \`${t.iface}\`.`
      : `The poller has not recorded any interfaces for \`${t.device}\` yet.`,
    hint: all.length
      ? near.length
        ? `Did you mean ${near.map((n) => `\`${n}\``).join(', ')}? A glob such as \`Ethernet1/*\` compares several.`
        : 'A glob such as `Ethernet1/*` compares several.'
      : 'Check that SNMP is configured for it; charts appear after the first polls.',
  });
}

function points(buckets: readonly Bucket[] | undefined, bucketMs: number): Point[] {
  // a gap longer than a few pixels' worth of time is an outage, not a ramp
  return withGaps(bucketsToM4(buckets ?? []), Math.max(bucketMs * 3, 180_000));
}

function figures(summaries: readonly SeriesSummary[], label: (m: string) => string): SummaryFigures[] {
  return summaries.map((s) => ({
    label: label(s.metric),
    peak: s.peak,
    peakAt: s.peakAt,
    p95: s.p95,
    avg: s.avg,
    current: s.current,
  }));
}

function hasData(r: SeriesResult): boolean {
  return Object.values(r.series).some((b) => b.length > 0);
}

function ifLabel(i: InterfaceRef): string {
  return `${i.device} ${i.name}`;
}

/** One interface: utilisation (with optional anomaly overlay) or errors/discards. */
export async function graphInterface(
  env: GraphEnv,
  iface: InterfaceRef,
  range: { from: number; to: number },
  metric: MetricSet,
  overlay: Overlay = {},
): Promise<GraphOutcome> {
  const width = env.width ?? 1200;
  const plot = env.renderer.plotWidth(width);
  const res = await metricsFor(env.pool).querySeriesFor(iface, {
    metrics: METRIC_SETS[metric],
    from: new Date(range.from),
    to: new Date(range.to),
    widthPx: plot,
  });
  const span = formatRange(range.to - range.from);
  const subject = `${ifLabel(iface)}${iface.alias ? ` (${iface.alias})` : ''}`;
  if (!hasData(res)) {
    const msg = `No ${NOUN[metric]} samples for ${ifLabel(iface)} in the last ${span}.`;
    return {
      summary: msg,
      noData: `${msg} The poller may not have reached it yet, or it was down for the whole range.`,
      notes: [],
    };
  }
  const summaries = await metricsFor(env.pool).querySummary(res);
  const kind = metric === 'util' ? 'bits' : 'rate';
  const ctx = {
    kind,
    timezone: env.timezone,
    rangeMs: range.to - range.from,
    speedBps: iface.speedBps,
  } as const;
  const figs = figures(summaries, (m) => LABEL[m] ?? m);
  const line = summaryLine(figs, ctx);
  const title = `${ifLabel(iface)} — ${metric === 'util' ? 'utilisation' : NOUN[metric]}, last ${span}`;
  const base = {
    title,
    subtitle: `${iface.alias ? `${iface.alias} · ` : ''}${line}`,
    timezone: env.timezone,
    from: range.from,
    to: range.to,
    ...(env.theme ? { theme: env.theme } : {}),
  };
  const spec =
    metric === 'util' || metric === 'pps'
      ? utilisationChart({
          ...base,
          inbound: points(res.series[METRIC_SETS[metric][0]], res.bucketMs),
          outbound: points(res.series[METRIC_SETS[metric][1]], res.bucketMs),
          speedBps: metric === 'util' ? iface.speedBps : null,
          ...(overlay.band ? { band: overlay.band } : {}),
          ...(overlay.anomalies ? { anomalies: overlay.anomalies } : {}),
        })
      : errorsChart({
          ...base,
          ...(metric === 'errors'
            ? {
                inErrors: points(res.series.in_errors, res.bucketMs),
                outErrors: points(res.series.out_errors, res.bucketMs),
              }
            : {
                inDiscards: points(res.series.in_discards, res.bucketMs),
                outDiscards: points(res.series.out_discards, res.bucketMs),
              }),
        });
  const content = await env.renderer.render(spec, { width, height: env.height ?? 600 });
  const extra = [
    `Resolution: ${res.resolution === 'raw' ? 'raw samples' : `${res.resolution} rollups`}, ${res.rowsScanned} rows.`,
  ];
  if (overlay.anomalies?.length) extra.push(`${overlay.anomalies.length} anomalies are marked.`);
  return {
    summary: `${ifLabel(iface)}, last ${span}: ${line}`,
    notes: [],
    file: {
      filename: `${safeName(`${iface.device}-${iface.name}-${metric}-${span}`)}.png`,
      content,
      title,
      initialComment: `*${ifLabel(iface)}*, last ${span}: ${line}`,
      altText: altText({
        what: `Line chart of ${metric === 'util' ? 'inbound and outbound traffic' : `inbound and outbound ${NOUN[metric]} per second`}`,
        subject,
        from: range.from,
        to: range.to,
        timezone: env.timezone,
        kind,
        speedBps: metric === 'util' ? iface.speedBps : null,
        figures: figs,
        extra,
      }),
    },
  };
}

/** Several interfaces (a glob, or --compare) on one chart: in solid, out dashed. */
export async function graphCompare(
  env: GraphEnv,
  ifaces: readonly InterfaceRef[],
  range: { from: number; to: number },
  metric: MetricSet,
  notes: string[] = [],
): Promise<GraphOutcome> {
  const width = env.width ?? 1200;
  const plot = env.renderer.plotWidth(width);
  const [inM, outM] = METRIC_SETS[metric];
  const span = formatRange(range.to - range.from);
  const results = await Promise.all(
    ifaces.map((i) =>
      metricsFor(env.pool).querySeriesFor(i, {
        metrics: [inM, outM],
        from: new Date(range.from),
        to: new Date(range.to),
        widthPx: plot,
      }),
    ),
  );
  const withData = results.filter(hasData);
  const missing = results.filter((r) => !hasData(r)).map((r) => ifLabel(r.iface));
  if (!withData.length) {
    const msg = `No ${NOUN[metric]} samples for ${ifaces.map(ifLabel).join(', ')} in the last ${span}.`;
    return { summary: msg, noData: msg, notes };
  }
  if (missing.length) notes.push(`No samples for ${missing.join(', ')}.`);
  const sameDevice = new Set(withData.map((r) => r.iface.device)).size === 1;
  const label = (r: SeriesResult) => (sameDevice ? r.iface.name : ifLabel(r.iface));
  const series: NamedSeries[] = [];
  const figs: SummaryFigures[] = [];
  const kind = metric === 'util' ? 'bits' : 'rate';
  for (const r of withData) {
    // one legend entry per interface; the subtitle says which line style is which direction
    series.push({ label: label(r), points: points(r.series[inM], r.bucketMs) });
    series.push({ label: '', points: points(r.series[outM], r.bucketMs), dashed: true });
    const sums = await metricsFor(env.pool).querySummary(r);
    // per interface, the busier direction speaks for it
    const best = [...sums].sort((a, b) => b.peak - a.peak)[0];
    if (best) figs.push(...figures([best], () => `${label(r)} ${LABEL[best.metric]}`));
  }
  // in and out of one interface share a colour (out is dashed)
  const colours = THEMES[env.theme ?? 'light'].palette;
  series.forEach((s, i) => {
    s.color = colours[Math.floor(i / 2) % colours.length]!;
  });
  const title = `${sameDevice ? `${withData[0]!.iface.device}: ` : ''}${withData.length} interfaces — ${NOUN[metric]}, last ${span}`;
  const fmt = kind === 'bits' ? formatBits : formatRate;
  const line = [...figs]
    .sort((a, b) => b.peak - a.peak)
    .slice(0, 3)
    .map((f) => `${f.label} peak ${fmt(f.peak)}`)
    .join('; ');
  const spec = compareChart({
    title,
    subtitle: `in solid, out dashed · ${line}`,
    timezone: env.timezone,
    from: range.from,
    to: range.to,
    unit: kind === 'bits' ? 'bits' : 'rate',
    rateNoun: NOUN[metric],
    series,
    ...(env.theme ? { theme: env.theme } : {}),
  });
  const content = await env.renderer.render(spec, { width, height: env.height ?? 600 });
  const comment = [`*${title}*: ${line}`, ...notes].join('\n');
  return {
    summary: `${title}: ${line}`,
    notes,
    file: {
      filename: `${safeName(`compare-${withData.map((r) => `${r.iface.device}-${r.iface.name}`).join('-')}`).slice(0, 80)}-${span}.png`,
      content,
      title,
      initialComment: comment,
      altText: altText({
        what: `Line chart comparing ${NOUN[metric]} on ${withData.length} interfaces (in solid, out dashed)`,
        subject: withData.map((r) => ifLabel(r.iface)).join(', '),
        from: range.from,
        to: range.to,
        timezone: env.timezone,
        kind,
        figures: figs,
        extra: notes,
      }),
    },
  };
}

/** The busiest interfaces (of some devices, or all) as horizontal bars. */
export async function graphTopN(
  env: GraphEnv,
  range: { from: number; to: number },
  options: { devices?: readonly string[]; limit?: number; by?: 'p95' | 'max'; scope?: string } = {},
): Promise<GraphOutcome> {
  const span = formatRange(range.to - range.from);
  const by = options.by ?? 'p95';
  const rows = await metricsFor(env.pool).queryTopN({
    from: new Date(range.from),
    to: new Date(range.to),
    by,
    limit: options.limit ?? 10,
    ...(options.devices ? { devices: options.devices } : {}),
  });
  const scope = options.scope ?? 'all devices';
  if (!rows.length) {
    const msg = `No traffic samples for ${scope} in the last ${span}.`;
    return { summary: msg, noData: msg, notes: [] };
  }
  const oneDevice = new Set(rows.map((r) => r.device)).size === 1;
  const items = rows.map((r) => ({
    label: `${oneDevice ? '' : `${r.device} `}${r.name} ${r.direction}`,
    value: r.value,
    util: r.util,
  }));
  const title = `Top ${rows.length} interfaces by ${by} utilisation — ${scope}, last ${span}`;
  const content = await env.renderer.render(
    topNChart({ title, items, timezone: env.timezone, ...(env.theme ? { theme: env.theme } : {}) }),
    { width: env.width ?? 1200, height: Math.max(300, Math.min(900, 120 + rows.length * 48)) },
  );
  const describe = (r: (typeof rows)[number]) =>
    `${r.device} ${r.name} ${r.direction} ${r.util !== null ? `${Math.round(r.util * 100)}%` : ''}`.trim();
  const line = rows.slice(0, 3).map(describe).join(', ');
  return {
    summary: `${title}: ${line}`,
    notes: [],
    file: {
      filename: `${safeName(`top-${scope}-${by}-${span}`)}.png`,
      content,
      title,
      initialComment: `*${title}*: ${line}`,
      altText:
        `Horizontal bar chart of the ${rows.length} busiest interfaces by ${by} over the last ${span} (${scope}): ${rows.map(describe).join('; ')}.`.slice(
          0,
          1000,
        ),
    },
  };
}

export interface ForecastData {
  /** "core1 Ethernet1/1" */
  subject: string;
  /** Observed values (bits/s), e.g. daily p95; thinned with LTTB when longer than the plot. */
  history: readonly Point[];
  projection: readonly Point[];
  band?: { upper: Point[]; lower: Point[] };
  thresholdBps: number;
  thresholdLabel?: string;
  crossingAt: number | null;
  speedBps?: number | null;
  /** Range drawn; defaults to history start → projection end. */
  from?: number;
  to?: number;
}

/** A capacity forecast (computed by analysis/) as a chart file with summary and alt text. */
export async function graphForecast(
  env: Pick<GraphEnv, 'renderer' | 'timezone' | 'theme' | 'width' | 'height'>,
  f: ForecastData,
): Promise<GraphOutcome> {
  const width = env.width ?? 1200;
  const plot = env.renderer.plotWidth(width);
  const from = f.from ?? f.history[0]?.x ?? f.projection[0]?.x ?? 0;
  const to = f.to ?? f.projection.at(-1)?.x ?? f.history.at(-1)?.x ?? from + 1;
  const history = lttb(f.history, plot);
  const when = f.crossingAt !== null ? formatDate(f.crossingAt, env.timezone) : null;
  const line = when
    ? `projected to cross ${f.thresholdLabel ?? formatBits(f.thresholdBps)} on ${when}`
    : `not projected to cross ${f.thresholdLabel ?? formatBits(f.thresholdBps)} by ${formatDate(to, env.timezone)}`;
  const title = `${f.subject} — capacity forecast`;
  const content = await env.renderer.render(
    forecastChart({
      title,
      subtitle: line,
      timezone: env.timezone,
      from,
      to,
      history,
      projection: f.projection,
      ...(f.band ? { band: f.band } : {}),
      thresholdBps: f.thresholdBps,
      ...(f.thresholdLabel ? { thresholdLabel: f.thresholdLabel } : {}),
      crossingAt: f.crossingAt,
      speedBps: f.speedBps ?? null,
      ...(env.theme ? { theme: env.theme } : {}),
    }),
    { width, height: env.height ?? 600 },
  );
  const last = f.history.at(-1);
  return {
    summary: `${f.subject}: ${line}`,
    notes: [],
    file: {
      filename: `${safeName(`${f.subject}-forecast`)}.png`,
      content,
      title,
      initialComment: `*${f.subject}*: ${line}`,
      altText: `Line chart of observed traffic on ${f.subject} with a dashed projection and a threshold line at ${formatBits(f.thresholdBps)}${last ? `; last observed ${formatBits(last.y)}` : ''}; ${line}.`,
    },
  };
}
