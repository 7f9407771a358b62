/**
 * Robust statistics used by every detector. Medians and MADs rather than means and standard
 * deviations: network series carry the very outliers we are looking for, and a mean-based band
 * learnt from a week with one outage would be wide enough to hide the next one.
 */

/** 1.4826 · MAD estimates σ for normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;

/** Quantile (0..1) by linear interpolation between order statistics; selects in a copy, O(n). */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return Number.NaN;
  // A typed array is copied as memory; Float64Array.from would walk it through the iterator.
  return quantileInPlace(values instanceof Float64Array ? values.slice() : Float64Array.from(values), q);
}

/** As quantile, reordering `a` instead of copying it (for scratch buffers in hot loops). */
export function quantileInPlace(a: Float64Array, q: number): number {
  return quantileRange(a, 0, a.length, q);
}

/**
 * As quantileInPlace over a[from..to) only, reordering that range: scratch buffers are reused
 * across series without a subarray view per call.
 */
export function quantileRange(a: Float64Array, from: number, to: number, q: number): number {
  const n = to - from;
  if (n <= 0) return Number.NaN;
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const lo = Math.floor(pos);
  const vlo = select(a, from, to - 1, from + lo);
  if (pos === lo || lo + 1 >= n) return vlo;
  // After selection everything right of `lo` is ≥ a[lo]: the next order statistic is their minimum.
  let vhi = Number.POSITIVE_INFINITY;
  for (let i = from + lo + 1; i < to; i++) if (a[i]! < vhi) vhi = a[i]!;
  return vlo + (vhi - vlo) * (pos - lo);
}

/**
 * Floyd–Rivest selection: the k-th smallest of a[l..r] (absolute index k), partially reordering it
 * so that everything left of k is ≤ a[k] and everything right of it ≥. On a long range it first
 * narrows to a sample-chosen window around k, so a median of n values costs about 1.5 n
 * comparisons instead of quickselect's 3.4 n. Values must not be NaN (callers pass finite ones).
 */
function select(a: Float64Array, l: number, r: number, k: number): number {
  let left = l;
  let right = r;
  while (right > left) {
    if (right - left > 600) {
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      select(
        a,
        Math.max(left, Math.floor(k - (m * s) / n + sd)),
        Math.min(right, Math.floor(k + ((n - m) * s) / n + sd)),
        k,
      );
    }
    const t = a[k]!;
    let i = left;
    let j = right;
    a[k] = a[left]!;
    a[left] = t;
    if (a[right]! > t) {
      a[left] = a[right]!;
      a[right] = t;
    }
    while (i < j) {
      const x = a[i]!;
      a[i] = a[j]!;
      a[j] = x;
      i++;
      j--;
      while (a[i]! < t) i++;
      while (a[j]! > t) j--;
    }
    if (a[left] === t) {
      const x = a[left]!;
      a[left] = a[j]!;
      a[j] = x;
    } else {
      j++;
      const x = a[j]!;
      a[j] = a[right]!;
      a[right] = x;
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
  return a[k]!;
}

export function quantileSorted(s: ArrayLike<number>, q: number): number {
  const n = s.length;
  if (n === 0) return Number.NaN;
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Median absolute deviation around `center` (the median when omitted). */
export function mad(values: ArrayLike<number>, center = median(values)): number {
  const d = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) d[i] = Math.abs(values[i]! - center);
  return quantileInPlace(d, 0.5);
}

export interface LineFit {
  slope: number;
  intercept: number;
  /** Residual standard error (least squares) or scaled MAD of residuals (Theil–Sen). */
  residualScale: number;
  /** Lower and upper bounds of the slope's ~90 % confidence interval. */
  slopeLow: number;
  slopeHigh: number;
  n: number;
}

/** Ordinary least squares with the slope's t-based interval (z ≈ 1.645 for a 90 % range). */
export function leastSquares(xs: ArrayLike<number>, ys: ArrayLike<number>, z = 1.645): LineFit {
  const n = xs.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i]! - (intercept + slope * xs[i]!)) ** 2;
  const se = n > 2 ? Math.sqrt(sse / (n - 2)) : 0;
  const slopeSe = sxx > 0 ? se / Math.sqrt(sxx) : Number.POSITIVE_INFINITY;
  return {
    slope,
    intercept,
    residualScale: se,
    slopeLow: slope - z * slopeSe,
    slopeHigh: slope + z * slopeSe,
    n,
  };
}

/**
 * Theil–Sen: the median of all pairwise slopes, intercept the median of y − slope·x. Breaks down
 * only when ~29 % of points are outliers, so one outage day does not bend the trend. The slope's
 * confidence interval is Sen's (order statistics of the pairwise slopes, normal approximation).
 */
export function theilSen(xs: ArrayLike<number>, ys: ArrayLike<number>, z = 1.645): LineFit {
  const n = xs.length;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const dx = xs[j]! - xs[i]!;
      if (dx !== 0) slopes.push((ys[j]! - ys[i]!) / dx);
    }
  const s = Float64Array.from(slopes).sort();
  const slope = s.length ? quantileSorted(s, 0.5) : 0;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = ys[i]! - slope * xs[i]!;
  const intercept = median(r);
  for (let i = 0; i < n; i++) r[i] = ys[i]! - (intercept + slope * xs[i]!);
  const N = s.length;
  // Var(S) of Kendall's statistic without ties: n(n−1)(2n+5)/18.
  const c = z * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const lo = Math.max(0, Math.floor((N - c) / 2));
  const hi = Math.min(N - 1, Math.ceil((N + c) / 2));
  return {
    slope,
    intercept,
    residualScale: MAD_TO_SIGMA * mad(r, 0),
    slopeLow: N ? s[lo]! : 0,
    slopeHigh: N ? s[hi]! : 0,
    n,
  };
}

/**
 * Weighted quantile of a[from..to) with weights w[from..to) (both reordered, in step): the
 * smallest value whose cumulative weight reaches q of the total, the mean of it and the next value
 * when it reaches it exactly. With equal weights it is the unweighted median at q = 0.5. Expected
 * O(n): a three-way quickselect that carries the weight of everything below the range.
 */
export function weightedQuantileRange(
  a: Float64Array,
  w: Float64Array,
  from: number,
  to: number,
  q: number,
): number {
  if (to <= from) return Number.NaN;
  let total = 0;
  for (let i = from; i < to; i++) total += w[i]!;
  const target = Math.min(Math.max(q, 0), 1) * total;
  const eps = total * 1e-12;
  let l = from;
  let r = to - 1;
  let below = 0;
  for (;;) {
    if (l === r) return tie(a, l, to, below + w[l]!, target, eps);
    const p = a[(l + r) >>> 1]!;
    // Dutch flag: [l..lt) < p, [lt..i) == p, (gt..r] > p.
    let lt = l;
    let gt = r;
    let i = l;
    let wl = 0;
    let we = 0;
    while (i <= gt) {
      const x = a[i]!;
      if (x < p) {
        wl += w[i]!;
        swap(a, w, i++, lt++);
      } else if (x > p) swap(a, w, i, gt--);
      else {
        we += w[i]!;
        i++;
      }
    }
    if (lt > l && below + wl >= target - eps) {
      r = lt - 1;
      continue;
    }
    if (below + wl + we >= target - eps || gt >= r) return tie(a, gt, to, below + wl + we, target, eps);
    below += wl + we;
    l = gt + 1;
  }
}

/** a[k] (everything after k is larger), or its mean with the next value when `cum` hits `target`. */
function tie(a: Float64Array, k: number, to: number, cum: number, target: number, eps: number): number {
  const v = a[k]!;
  if (Math.abs(cum - target) > eps || k + 1 >= to) return v;
  let next = Number.POSITIVE_INFINITY;
  for (let i = k + 1; i < to; i++) if (a[i]! < next) next = a[i]!;
  return (v + next) / 2;
}

function swap(a: Float64Array, w: Float64Array, i: number, j: number): void {
  const x = a[i]!;
  a[i] = a[j]!;
  a[j] = x;
  const y = w[i]!;
  w[i] = w[j]!;
  w[j] = y;
}
