/**
 * The compact encoding of closed sample periods (one row per interface and hour in
 * `samples_packed`). Pure and lossless: decode(encode(x)) gives back every double bit for bit,
 * so a chart drawn before compaction and after it is the same picture.
 *
 * Why not XOR (Gorilla) floats or PostgreSQL's lz4 on float8[]: the poller's rates are
 * counter deltas divided by a poll interval, so their mantissas are full of noise and neither
 * gets far below 8 bytes a value (bench/metrics measures both). The counter delta itself is a
 * small integer. So a rate is stored as the count k that reproduces it through the poller's own
 * formula (k / dt for packets, (k / dt) · 8 for bits, with dt from the neighbouring timestamps),
 * delta-coded against the previous count and zigzag-varint packed. A value the formula does not
 * reproduce exactly (capped at line rate, a gap before it, data from elsewhere) is kept as its
 * raw 8 bytes, so nothing is ever rounded.
 *
 * Value stream, one varint per token, the low 2 bits a tag:
 *   0  count: zigzag(k − previous k) in the high bits
 *   1  raw: the next 8 bytes are the float64 (little endian)
 *   2  nulls: a run of (high bits) unknown values
 *   3  repeat: a run of (high bits) values whose count equals the previous count
 * Time stream: a unit byte (0 µs, 1 ms), the first time, the first delta, then zigzag
 * delta-of-deltas; regular polling makes those zero, one byte per sample.
 */

/** How a stored count turns back into the value: bits/s, per-second rates, or plain integers. */
export type ValueKind = 'bits' | 'rate' | 'int';

const MAX_K = 2 ** 50;

// Raw doubles go through this scratch pair rather than a DataView: a DataView refuses a Buffer
// whose memory comes from another realm (vitest's, for one). Little endian, as the stream says.
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

class Writer {
  buf: Uint8Array;
  len = 0;
  constructor(size = 256) {
    this.buf = new Uint8Array(size);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  /** Unsigned varint for integers up to 2^53 (arithmetic, not bitwise, above 2^31). */
  uvar(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }
  f64(v: number): void {
    this.room(8);
    F64[0] = v;
    for (let i = 0; i < 8; i++) this.buf[this.len + i] = F64_BYTES[NATIVE_LE ? i : 7 - i]!;
    this.len += 8;
  }
  byte(v: number): void {
    this.room(1);
    this.buf[this.len++] = v;
  }
  done(): Buffer {
    return Buffer.from(this.buf.buffer, 0, this.len);
  }
}

const zig = (v: number) => (v >= 0 ? v * 2 : -v * 2 - 1);

class Reader {
  pos = 0;
  constructor(private buf: Uint8Array) {}
  /** Low byte of the last varint read (its low bit is the zigzag sign). */
  low = 0;
  uvar(): number {
    const b = this.buf;
    let x = b[this.pos++]!;
    this.low = x;
    if (x < 0x80) return x;
    // the common short forms without floating point
    let v = x & 0x7f;
    x = b[this.pos++]!;
    v |= (x & 0x7f) << 7;
    if (x < 0x80) return v;
    x = b[this.pos++]!;
    v |= (x & 0x7f) << 14;
    if (x < 0x80) return v;
    x = b[this.pos++]!;
    v |= (x & 0x7f) << 21;
    if (x < 0x80) return v;
    let mul = 268_435_456; // 2^28
    for (;;) {
      // a truncated or foreign stream must fail, not spin on `undefined`
      if (this.pos >= b.length) throw new RangeError('truncated sample stream');
      x = b[this.pos++]!;
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  }
}

/** Timestamps as integers in `unit` (µs or ms) → bytes. */
export function encodeTimes(tsUs: ArrayLike<number>): Buffer {
  const w = new Writer(16 + tsUs.length);
  let ms = true;
  for (let i = 0; i < tsUs.length; i++) if (tsUs[i]! % 1000 !== 0) ms = false;
  const div = ms ? 1000 : 1;
  w.byte(ms ? 1 : 0);
  let prev = 0;
  let prevDelta = 0;
  for (let i = 0; i < tsUs.length; i++) {
    const t = tsUs[i]! / div;
    if (i === 0) w.uvar(zig(t));
    else {
      const d = t - prev;
      w.uvar(zig(i === 1 ? d : d - prevDelta));
      prevDelta = d;
    }
    prev = t;
  }
  return w.done();
}

/** Bytes → timestamps in µs since the epoch (into `out` when given, e.g. a reused scratch array). */
export function decodeTimes(
  buf: Uint8Array,
  n: number,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  const r = new Reader(buf);
  const unit = buf[r.pos++] === 1 ? 1000 : 1;
  let t = 0;
  let d = 0;
  for (let i = 0; i < n; i++) {
    // regular polling: a zero delta-of-delta, one zero byte
    if (i >= 2 && buf[r.pos] === 0) {
      r.pos++;
      t += d;
      out[i] = t * unit;
      continue;
    }
    const raw = r.uvar();
    const u = r.low & 1 ? -(raw + 1) * 0.5 : raw * 0.5;
    if (i === 0) t = u;
    else if (i === 1) {
      d = u;
      t += d;
    } else {
      d += u;
      t += d;
    }
    out[i] = t * unit;
  }
  return out;
}

/**
 * Seconds between sample i and the one before, computed exactly as the poller does
 * ((cur.ts − prev.ts) / 1000 with ms timestamps). The first sample borrows the second's interval:
 * a regular poll makes that the true one, and when it is not the value is kept raw.
 */
function intervalSec(tsUs: ArrayLike<number>, i: number): number {
  const n = tsUs.length;
  if (n < 2) return Number.NaN;
  const j = i === 0 ? 1 : i;
  return (tsUs[j]! - tsUs[j - 1]!) / 1000 / 1000;
}

function reproduce(kind: ValueKind, k: number, dt: number): number {
  if (kind === 'int') return k;
  if (kind === 'bits') return (k / dt) * 8;
  return k / dt;
}

/** Values (null = unknown) for samples at `tsUs` → bytes. */
export function encodeValues(
  kind: ValueKind,
  values: ArrayLike<number | null>,
  tsUs: ArrayLike<number>,
): Buffer {
  const w = new Writer(16 + values.length * 2);
  let prevK = 0;
  let run = 0;
  let runTag = 0;
  const flush = () => {
    if (run) w.uvar(run * 4 + runTag);
    run = 0;
  };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || Number.isNaN(v)) {
      if (run && runTag !== 2) flush();
      runTag = 2;
      run++;
      continue;
    }
    let k = Number.NaN;
    if (kind === 'int') {
      if (Number.isInteger(v) && Math.abs(v) <= MAX_K) k = v;
    } else {
      const dt = intervalSec(tsUs, i);
      if (dt > 0 && Number.isFinite(dt)) {
        const guess = Math.round((kind === 'bits' ? v / 8 : v) * dt);
        if (Math.abs(guess) <= MAX_K && reproduce(kind, guess, dt) === v) k = guess;
      }
    }
    // -0 would come back as 0: keep it raw like any value the formula cannot give back
    if (Number.isNaN(k) || Object.is(v, -0) || Math.abs(k - prevK) > MAX_K) {
      flush();
      w.uvar(1);
      w.f64(v);
      continue;
    }
    if (k === prevK) {
      if (run && runTag !== 3) flush();
      runTag = 3;
      run++;
      continue;
    }
    flush();
    w.uvar(zig(k - prevK) * 4);
    prevK = k;
  }
  flush();
  return w.done();
}

/** Each sample's interval in seconds as the codec uses it (see intervalSec); shared by a row's columns. */
export function intervals(
  tsUs: ArrayLike<number>,
  out: Float64Array = new Float64Array(tsUs.length),
): Float64Array {
  // intervalSec's arithmetic, unrolled: this runs for every sample a chart decodes
  const n = tsUs.length;
  if (n < 2) {
    if (n === 1) out[0] = Number.NaN;
    return out;
  }
  let prev = tsUs[0]!;
  for (let i = 1; i < n; i++) {
    const t = tsUs[i]!;
    out[i] = (t - prev) / 1000 / 1000;
    prev = t;
  }
  out[0] = out[1]!;
  return out;
}

/**
 * Bytes → values (NaN = unknown), given the same timestamps the values were encoded with (or
 * their `intervals`, computed once for all of a row's columns). The hot loop of every chart
 * read: varints are read inline.
 */
export function decodeValues(
  kind: ValueKind,
  buf: Uint8Array,
  tsUs: ArrayLike<number>,
  out: Float64Array = new Float64Array(tsUs.length),
  dts: Float64Array = intervals(tsUs),
): Float64Array {
  const n = tsUs.length;
  const len = buf.length;
  const scale = kind === 'bits' ? 8 : 1;
  const isInt = kind === 'int';
  let pos = 0;
  let k = 0;
  let i = 0;
  while (i < n && pos < len) {
    // The tag and the zigzag sign sit in the low bits of the first byte: reading them there
    // avoids `%` on doubles above 2^31, which V8 turns into a slow fmod call.
    const first = buf[pos++]!;
    // up to four bytes in integer arithmetic; past 28 bits, doubles (values reach 2^53)
    let u = first & 0x7f;
    if (first >= 0x80) {
      let x = buf[pos++]!;
      u |= (x & 0x7f) << 7;
      if (x >= 0x80) {
        x = buf[pos++]!;
        u |= (x & 0x7f) << 14;
        if (x >= 0x80) {
          x = buf[pos++]!;
          u |= (x & 0x7f) << 21;
          if (x >= 0x80) {
            let mul = 268_435_456;
            for (;;) {
              if (pos >= len) throw new RangeError('truncated sample stream');
              x = buf[pos++]!;
              u += (x & 0x7f) * mul;
              if (x < 0x80) break;
              mul *= 128;
            }
          }
        }
      }
      if (pos > len) throw new RangeError('truncated sample stream');
    }
    const tag = first & 3;
    const hi = (u - tag) * 0.25;
    if (tag === 0) {
      k += first & 4 ? -(hi + 1) * 0.5 : hi * 0.5;
      out[i] = isInt ? k : scale === 8 ? (k / dts[i]!) * 8 : k / dts[i]!;
      i++;
    } else if (tag === 1) {
      if (pos + 8 > len) throw new RangeError('truncated sample stream');
      for (let b = 0; b < 8; b++) F64_BYTES[NATIVE_LE ? b : 7 - b] = buf[pos + b]!;
      pos += 8;
      out[i++] = F64[0]!;
    } else if (tag === 2) {
      for (let e = Math.min(n, i + hi); i < e; i++) out[i] = Number.NaN;
    } else {
      for (let e = Math.min(n, i + hi); i < e; i++)
        out[i] = isInt ? k : scale === 8 ? (k / dts[i]!) * 8 : k / dts[i]!;
    }
  }
  for (; i < n; i++) out[i] = Number.NaN;
  return out;
}
