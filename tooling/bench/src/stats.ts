/**
 * Nearest-rank percentile of `values` (need not be sorted): the smallest value such that at
 * least `p` % of the values are ≤ it. NaN for an empty list.
 * @param p percentile in [0, 100]
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[rankIndex(sorted.length, p)]!;
}

/** 0-based index of the nearest-rank `p`-th percentile among `n` sorted values. */
function rankIndex(n: number, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0–100, got ${p}`);
  return Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
}

/** p50/p95/p99 and friends, in the unit of the samples. */
export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** The wire form of a histogram: bucket index → count, sparse, plus exact extremes. */
export interface HistogramData {
  resolution: number;
  buckets: [index: number, count: number][];
  count: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * A fixed-resolution histogram for millions of latency samples: O(1) to record, mergeable
 * across processes, and exact to within `resolution`. Percentiles report the lower edge of
 * the bucket, so samples that are whole multiples of the resolution (integer milliseconds)
 * come back exactly.
 */
export class Histogram {
  private readonly counts = new Map<number, number>();
  private n = 0;
  private total = 0;
  private low = Number.POSITIVE_INFINITY;
  private high = Number.NEGATIVE_INFINITY;

  /** @param resolution bucket width in the samples' unit. @default 0.1 */
  constructor(readonly resolution = 0.1) {
    if (!(resolution > 0)) throw new RangeError("resolution must be positive");
  }

  /** Records one sample; negative samples (clock jitter) count as 0. */
  record(value: number): void {
    const sample = value > 0 ? value : 0;
    // The epsilon keeps 0.3 / 0.1 = 2.9999999999999996 in bucket 3.
    const index = Math.floor(sample / this.resolution + 1e-9);
    this.counts.set(index, (this.counts.get(index) ?? 0) + 1);
    this.n++;
    this.total += sample;
    if (sample < this.low) this.low = sample;
    if (sample > this.high) this.high = sample;
  }

  get count(): number {
    return this.n;
  }

  /** Nearest-rank percentile, to within `resolution`; NaN when empty. */
  percentile(p: number): number {
    if (this.n === 0) return Number.NaN;
    const wanted = rankIndex(this.n, p) + 1;
    let seen = 0;
    for (const index of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(index)!;
      if (seen >= wanted) return Math.min(this.high, Math.max(this.low, index * this.resolution));
    }
    return this.high;
  }

  summary(): Summary {
    return {
      count: this.n,
      min: this.n === 0 ? Number.NaN : this.low,
      mean: this.n === 0 ? Number.NaN : this.total / this.n,
      p50: this.percentile(50),
      p95: this.percentile(95),
      p99: this.percentile(99),
      max: this.n === 0 ? Number.NaN : this.high,
    };
  }

  /** Adds another histogram's samples (same resolution) into this one. */
  merge(other: Histogram | HistogramData): this {
    const data = other instanceof Histogram ? other.toJSON() : other;
    if (data.resolution !== this.resolution) throw new Error("cannot merge histograms of different resolutions");
    for (const [index, count] of data.buckets) this.counts.set(index, (this.counts.get(index) ?? 0) + count);
    this.n += data.count;
    this.total += data.sum;
    if (data.count > 0) {
      this.low = Math.min(this.low, data.min);
      this.high = Math.max(this.high, data.max);
    }
    return this;
  }

  toJSON(): HistogramData {
    return {
      resolution: this.resolution,
      buckets: [...this.counts.entries()],
      count: this.n,
      sum: this.total,
      min: this.low,
      max: this.high,
    };
  }

  static from(data: HistogramData): Histogram {
    return new Histogram(data.resolution).merge(data);
  }
}

/** Rounds for display and JSON: 2 decimals below 10, 1 below 1000, whole above. NaN stays NaN. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  const digits = abs < 10 ? 2 : abs < 1_000 ? 1 : 0;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
