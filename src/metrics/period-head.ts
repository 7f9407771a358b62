import { METRICS } from './names.js';

/**
 * The head of a packed row (one interface × hour): per metric, the count of known values, min
 * and max with their moments, and the sum, so that a pixel column holding whole hours is drawn
 * and summarised from heads alone and only the hours a column boundary cuts are decoded. Pure.
 *
 * Layout: a version byte, the last sample's moment (ms after the period start), then per metric
 * in METRICS order a tag byte:
 *   0 no known value;   1 every known value is +0;   2 general: min, max, sum as float64 (little
 *   endian), then the moments of min and max;   | 4 when some samples are unknown for the metric:
 *   count, and the moments of its first and last known value follow the tag.
 * Moments are varints of whole ms after the period start (floor of the sample's µs). Measured on
 * the fleet slice of bench/metrics: about 0.3 bytes per stored value.
 */

export const HEAD_VERSION = 1;

export interface MetricHead {
  /** Known (non-null) values. */
  count: number;
  min: number;
  max: number;
  sum: number;
  /** Epoch µs (whole ms) of the earliest min and max, and of the first and last known value. */
  tMin: number;
  tMax: number;
  tFirst: number;
  tLast: number;
}

export interface PeriodHead {
  /** Epoch µs (whole ms) of the last sample, whatever its nulls. */
  tLast: number;
  metrics: (MetricHead | null)[];
}

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function uvar(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function f64(out: number[], v: number): void {
  F64[0] = v;
  for (let i = 0; i < 8; i++) out.push(F64_BYTES[NATIVE_LE ? i : 7 - i]!);
}

/** ms after the period start, as stored (samples always lie inside their period). */
const offset = (us: number, periodMs: number) => Math.max(0, Math.floor(us / 1000) - periodMs);

/**
 * The head of one period's samples (times in µs, values NaN where unknown), every metric of
 * METRICS present in `values`. Sums add in time order, as a full read of the row would.
 */
export function encodeHead(
  periodMs: number,
  tsUs: ArrayLike<number>,
  values: Readonly<Record<string, ArrayLike<number> | undefined>>,
): Buffer {
  const n = tsUs.length;
  const out: number[] = [HEAD_VERSION];
  uvar(out, offset(tsUs[n - 1]!, periodMs));
  for (const m of METRICS) {
    const vs = values[m];
    let count = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let sum = 0;
    let iMin = -1;
    let iMax = -1;
    let iFirst = -1;
    let iLast = -1;
    let allZero = true;
    for (let i = 0; vs && i < n; i++) {
      const v = vs[i]!;
      if (Number.isNaN(v)) continue;
      if (iFirst < 0) iFirst = i;
      iLast = i;
      count++;
      sum += v;
      if (v < min) {
        min = v;
        iMin = i;
      }
      if (v > max) {
        max = v;
        iMax = i;
      }
      if (v !== 0 || Object.is(v, -0)) allZero = false;
    }
    if (!count) {
      out.push(0);
      continue;
    }
    const partial = count !== n;
    out.push((allZero ? 1 : 2) | (partial ? 4 : 0));
    if (partial) {
      uvar(out, count);
      uvar(out, offset(tsUs[iFirst]!, periodMs));
      uvar(out, offset(tsUs[iLast]!, periodMs));
    }
    if (allZero) continue;
    f64(out, min);
    f64(out, max);
    f64(out, sum);
    uvar(out, offset(tsUs[iMin]!, periodMs));
    uvar(out, offset(tsUs[iMax]!, periodMs));
  }
  return Buffer.from(out);
}

/**
 * Reads a head; `tFirstUs` and `n` are the row's first sample (t_first) and sample count. Returns undefined for a head of
 * another version (the row is then decoded in full, which is always correct).
 */
export function decodeHead(
  buf: Uint8Array,
  periodMs: number,
  tFirstUs: number,
  n: number,
): PeriodHead | undefined {
  if (buf[0] !== HEAD_VERSION) return undefined;
  let pos = 1;
  const uv = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (pos >= buf.length) throw new RangeError('truncated period head');
      const x = buf[pos++]!;
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  };
  const rf = (): number => {
    if (pos + 8 > buf.length) throw new RangeError('truncated period head');
    for (let b = 0; b < 8; b++) F64_BYTES[NATIVE_LE ? b : 7 - b] = buf[pos + b]!;
    pos += 8;
    return F64[0]!;
  };
  const at = (off: number) => (periodMs + off) * 1000;
  const tLast = at(uv());
  const metrics: (MetricHead | null)[] = [];
  for (let k = 0; k < METRICS.length; k++) {
    const tag = buf[pos++];
    if (tag === undefined) throw new RangeError('truncated period head');
    if ((tag & 3) === 0) {
      metrics.push(null);
      continue;
    }
    const h: MetricHead = {
      count: 0,
      min: 0,
      max: 0,
      sum: 0,
      tMin: 0,
      tMax: 0,
      tFirst: tFirstUs,
      tLast,
    };
    if (tag & 4) {
      h.count = uv();
      h.tFirst = at(uv());
      h.tLast = at(uv());
    } else h.count = n;
    if ((tag & 3) === 1) {
      h.tMin = h.tFirst;
      h.tMax = h.tFirst;
    } else {
      h.min = rf();
      h.max = rf();
      h.sum = rf();
      h.tMin = at(uv());
      h.tMax = at(uv());
    }
    metrics.push(h);
  }
  return { tLast, metrics };
}
