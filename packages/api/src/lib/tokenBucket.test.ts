import { describe, expect, it } from "vitest";
import { TokenBucket } from "./tokenBucket";

describe("TokenBucket", () => {
  it("spends a batch's cost at once, and refuses it whole when short, spending nothing", () => {
    const bucket = new TokenBucket(10, 5, 0);
    expect(bucket.take(0, 8)).toBe(true);
    expect(bucket.take(0, 3)).toBe(false);
    expect(bucket.take(0, 2)).toBe(true);
    expect(bucket.take(0)).toBe(false);
  });

  it("refills at its rate up to its capacity", () => {
    const bucket = new TokenBucket(10, 5, 0);
    expect(bucket.take(0, 10)).toBe(true);
    expect(bucket.msUntilNext()).toBe(200);
    expect(bucket.take(1_000, 5)).toBe(true);
    expect(bucket.take(1_000)).toBe(false);
    expect(bucket.take(60_000, 10)).toBe(true);
    expect(bucket.take(60_000)).toBe(false);
  });
});
