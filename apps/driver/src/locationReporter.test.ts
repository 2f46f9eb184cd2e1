import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LocationReporter, type ReportPoint } from "./locationReporter";

const point = (n: number): ReportPoint => ({ lat: 41.88 + n / 1_000, lng: -87.63, recordedAt: 1_000 + n });

describe("LocationReporter", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the first point at once, then what gathered, once per interval", async () => {
    const sent: number[][] = [];
    const reporter = new LocationReporter(async (points) => void sent.push(points.map((p) => p.recordedAt)), 1_000);
    reporter.push(point(1));
    await vi.advanceTimersByTimeAsync(0);
    reporter.push(point(2));
    reporter.push(point(3));
    expect(sent).toEqual([[1_001]]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([[1_001], [1_002, 1_003]]);
    reporter.stop();
  });

  it("keeps a failed batch and sends it first on the next tick", async () => {
    const sent: number[][] = [];
    let failing = true;
    const reporter = new LocationReporter(async (points) => {
      if (failing) throw new Error("offline");
      sent.push(points.map((p) => p.recordedAt));
    }, 1_000);
    reporter.push(point(1));
    await vi.advanceTimersByTimeAsync(0);
    reporter.push(point(2));
    failing = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([[1_001, 1_002]]);
    reporter.stop();
  });

  it("sends at most 50 points per report", async () => {
    const sizes: number[] = [];
    const reporter = new LocationReporter(async (points) => void sizes.push(points.length), 1_000);
    for (let n = 0; n < 120; n++) reporter.push(point(n));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sizes).toEqual([1, 50, 50, 19]);
    reporter.stop();
  });
});
