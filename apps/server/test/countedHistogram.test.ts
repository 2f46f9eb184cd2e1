import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { CountedHistogram } from "../src/countedHistogram";

const BOUNDS = [0.001, 0.01, 0.1, 1];
const LABELS = ["procedure", "transport"] as const;

describe("CountedHistogram", () => {
  it("exposes what prom-client's own histogram does for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const counted = new CountedHistogram({ name: "calls_seconds", help: "Calls", labelNames: LABELS, registers: [ours] }, BOUNDS);
    const reference = new Histogram({ name: "calls_seconds", help: "Calls", labelNames: LABELS, buckets: BOUNDS, registers: [theirs] });
    const series = [
      { procedure: "chat.send", transport: "ws" },
      { procedure: "auth.me", transport: "http" },
    ];
    const observers = series.map((labels) => counted.seriesOf(labels));
    // On a bound, between bounds, below the first and above the last.
    const values = [0.001, 0.0005, 0.05, 0.01, 2, 0.1, 1, 0.3];
    for (const [index, value] of values.entries()) {
      const which = index % series.length;
      observers[which]?.(value);
      reference.observe(series[which] ?? {}, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // The JSON form too, but for the exemplars prom-client lists empty (none are kept here).
    const withoutExemplars = (await theirs.getMetricsAsJSON()).map((metric) => ({
      ...metric,
      values: metric.values.map((value) => {
        const { exemplar: _exemplar, ...rest } = value as typeof value & { exemplar?: unknown };
        return rest;
      }),
    }));
    expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars);
  });

  it("keeps its series but zeroes them on reset", async () => {
    const registry = new Registry();
    const counted = new CountedHistogram({ name: "calls_seconds", help: "Calls", labelNames: LABELS, registers: [registry] }, BOUNDS);
    const observe = counted.seriesOf({ procedure: "chat.send", transport: "ws" });
    observe(0.5);
    registry.resetMetrics();
    observe(0.002);
    const text = await registry.metrics();
    expect(text).toContain('calls_seconds_count{procedure="chat.send",transport="ws"} 1');
    expect(text).toContain('calls_seconds_bucket{le="0.01",procedure="chat.send",transport="ws"} 1');
    expect(text).toContain('calls_seconds_bucket{le="0.001",procedure="chat.send",transport="ws"} 0');
  });
});
