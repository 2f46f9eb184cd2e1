import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { consumeOrThrow, createRateLimits, LimitReached, WindowLimiter } from "./rateLimits";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-12-07T12:00:00Z"));
});

afterEach(() => {
  vi.useRealTimers();
});

describe("WindowLimiter", () => {
  it("refuses the point past the limit until the key's window ends, then opens a new one", async () => {
    const limiter = new WindowLimiter(3, 10);
    for (let point = 0; point < 3; point++) await limiter.consume("7");
    vi.advanceTimersByTime(4_000);
    const refused = await limiter.consume("7").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LimitReached);
    expect((refused as LimitReached).msBeforeNext).toBe(6_000);
    // Another key has a budget of its own.
    await limiter.consume("8");
    vi.advanceTimersByTime(6_000);
    for (let point = 0; point < 3; point++) await limiter.consume("7");
    await expect(limiter.consume("7")).rejects.toBeInstanceOf(LimitReached);
  });

  it("gives rewarded points back to the current window only", async () => {
    const limiter = new WindowLimiter(1, 10);
    await limiter.consume("7");
    await limiter.reward("7", 1);
    await limiter.consume("7");
    await expect(limiter.consume("7")).rejects.toBeInstanceOf(LimitReached);
    // No credit carried into a window that has not opened.
    await limiter.reward("9", 5);
    await limiter.consume("9");
    await expect(limiter.consume("9")).rejects.toBeInstanceOf(LimitReached);
  });

  it("drops ended windows, so keys seen once do not pile up", async () => {
    const limiter = new WindowLimiter(1, 1);
    for (let key = 0; key < 1_000; key++) await limiter.consume(String(key));
    expect(limiter.keys).toBe(1_000);
    vi.advanceTimersByTime(1_000);
    await limiter.consume("fresh");
    expect(limiter.keys).toBe(1);
  });
});

describe("consumeOrThrow", () => {
  it("answers a spent limit with TOO_MANY_REQUESTS saying when to retry, and counts the refusal", async () => {
    const limits = createRateLimits({ chatPoints: 1, chatWindowSeconds: 10 });
    await consumeOrThrow(limits, "chat", "7", "messages");
    vi.advanceTimersByTime(1_500);
    await expect(consumeOrThrow(limits, "chat", "7", "messages")).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: "Too many messages; try again in 9 s",
    });
    expect(limits.refused.chat).toBe(1);
  });
});
