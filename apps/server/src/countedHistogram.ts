import { Histogram, type Registry } from "prom-client";

interface Series<T extends string> {
  labels: Record<T, string>;
  /** Observations per bucket, not cumulative; the last is above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/** One exposed line, as prom-client's histogram gives it: `le` in `labels`, the series' own in `sharedLabels`. */
type ExportedValue = { value: number; labels: Record<string, string | number>; sharedLabels: Record<string, string>; metricName: string };

/**
 * A Prometheus histogram whose observations are counted in place and read by prom-client
 * only when scraped. prom-client's own `observe`, even on a labelled child, converts,
 * validates and hashes the labels on every call; here the caller keeps its series' observe
 * function (`seriesOf`), and a call bumps one bucket. The exposition is prom-client's, line
 * for line: the same names, `le` labels, `_sum` and `_count`.
 */
export class CountedHistogram<T extends string> extends Histogram<T> {
  private readonly series: Series<T>[] = [];

  private readonly metricName: string;
  private readonly metricHelp: string;

  constructor(
    config: { name: string; help: string; labelNames: readonly T[]; registers: Registry[] },
    private readonly bounds: readonly number[],
  ) {
    super({ ...config, buckets: [...bounds] });
    this.metricName = config.name;
    this.metricHelp = config.help;
  }

  /**
   * A new series with `labels`, and the function that observes a value in it. Call once per
   * set of labels and keep the function: a second call makes a second series.
   */
  seriesOf(labels: Record<T, string>): (value: number) => void {
    const series: Series<T> = { labels, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
    this.series.push(series);
    return (value) => this.add(series, value);
  }

  override reset(): void {
    // prom-client's constructor resets before this class's fields exist.
    const all = this.series as Series<T>[] | undefined;
    for (const series of all ?? []) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** As prom-client's `get`: each value's labels whole (the registry's JSON). */
  override async get(): Promise<Awaited<ReturnType<Histogram<T>["get"]>>> {
    const metric = this.metric();
    const values = metric.values.map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...sharedLabels, ...labels } }));
    return { ...metric, values } as unknown as Awaited<ReturnType<Histogram<T>["get"]>>;
  }

  /** What prom-client's registry formats as text: a histogram's own is preferred to `get`. */
  async getForPromString(): Promise<ReturnType<CountedHistogram<T>["metric"]>> {
    return this.metric();
  }

  private metric() {
    return { name: this.metricName, help: this.metricHelp, type: "histogram" as const, aggregator: "sum" as const, values: this.exported() };
  }

  private add(series: Series<T>, value: number): void {
    if (!Number.isFinite(value)) return;
    const { bounds } = this;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++;
    series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += value;
    series.count += 1;
  }

  private exported(): ExportedValue[] {
    const values: ExportedValue[] = [];
    const name = this.metricName;
    const bucketName = `${name}_bucket`;
    for (const { labels, counts, sum, count } of this.series) {
      let cumulative = 0;
      for (const [index, bound] of this.bounds.entries()) {
        cumulative += counts[index] as number;
        values.push({ value: cumulative, labels: { le: bound }, sharedLabels: labels, metricName: bucketName });
      }
      values.push({ value: count, labels: { le: "+Inf" }, sharedLabels: labels, metricName: bucketName });
      values.push({ value: sum, labels: {}, sharedLabels: labels, metricName: `${name}_sum` });
      values.push({ value: count, labels: {}, sharedLabels: labels, metricName: `${name}_count` });
    }
    return values;
  }
}
