import { describe, expect, it } from "vitest";
import { Histogram, percentile, round } from "./stats";

describe("percentile", () => {
  it("uses the nearest rank", () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 5)).toBe(15);
    expect(percentile(values, 30)).toBe(20);
    expect(percentile(values, 40)).toBe(20);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 100)).toBe(50);
  });

  it("does not need sorted input and does not reorder it", () => {
    const values = [9, 1, 5, 3, 7];
    expect(percentile(values, 50)).toBe(5);
    expect(values).toEqual([9, 1, 5, 3, 7]);
  });

  it("takes the largest value for p99 of fewer than 100 samples", () => {
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 90)).toBe(9);
  });

  it("is NaN for no samples and refuses a percentile outside 0–100", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe("Histogram", () => {
  it("agrees with exact percentiles for whole-millisecond samples", () => {
    const samples = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 1_000);
    const histogram = new Histogram(0.1);
    for (const sample of samples) histogram.record(sample);
    for (const p of [0, 1, 50, 95, 99, 99.9, 100]) expect(histogram.percentile(p)).toBe(percentile(samples, p));
    const summary = histogram.summary();
    expect(summary.count).toBe(10_000);
    expect(summary.min).toBe(0);
    expect(summary.max).toBe(999);
    expect(summary.mean).toBeCloseTo(499.5, 6);
  });

  it("is within one bucket for fractional samples", () => {
    const samples = Array.from({ length: 1_000 }, (_, i) => 0.037 * i);
    const histogram = new Histogram(0.1);
    for (const sample of samples) histogram.record(sample);
    const exact = percentile(samples, 99);
    expect(histogram.percentile(99)).toBeLessThanOrEqual(exact);
    expect(exact - histogram.percentile(99)).toBeLessThan(0.1);
  });

  it("merges across processes as if every sample had been recorded in one", () => {
    const a = new Histogram(1);
    const b = new Histogram(1);
    const all = new Histogram(1);
    for (let i = 0; i < 500; i++) {
      a.record(i);
      all.record(i);
      b.record(1_000 + i);
      all.record(1_000 + i);
    }
    const merged = Histogram.from(a.toJSON()).merge(structuredClone(b.toJSON()));
    expect(merged.summary()).toEqual(all.summary());
    expect(merged.percentile(50)).toBe(499);
    expect(merged.percentile(51)).toBe(1_009);
  });

  it("refuses to merge a different resolution", () => {
    expect(() => new Histogram(1).merge(new Histogram(0.5))).toThrow(/resolutions/);
  });

  it("counts negative samples (clock jitter) as zero and reports NaN when empty", () => {
    const histogram = new Histogram();
    expect(histogram.percentile(50)).toBeNaN();
    histogram.record(-3);
    expect(histogram.summary()).toMatchObject({ count: 1, min: 0, p99: 0, max: 0 });
  });
});

describe("round", () => {
  it("keeps more digits for small numbers", () => {
    expect(round(1.23456)).toBe(1.23);
    expect(round(123.456)).toBe(123.5);
    expect(round(12_345.6)).toBe(12_346);
    expect(round(Number.NaN)).toBeNaN();
  });
});
