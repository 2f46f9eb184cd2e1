import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { TRPCError } from "@trpc/server";
import type { Redis } from "ioredis";

export interface RateLimitSettings {
  /** Mutations per user per window. @default 120 */
  mutationPoints?: number;
  /** @default 10 (seconds) */
  mutationWindowSeconds?: number;
  /** Chat messages per user per window. @default 10 */
  chatPoints?: number;
  /** @default 10 (seconds) */
  chatWindowSeconds?: number;
  /** Login attempts per email per window. @default 10 */
  loginPoints?: number;
  /** @default 60 (seconds) */
  loginWindowSeconds?: number;
  /** Tracking links a user may create per window. @default 30 */
  trackingLinkPoints?: number;
  /** @default 3_600 (seconds) */
  trackingLinkWindowSeconds?: number;
  /** Public tracking pages one address may open (or try to) per window. @default 60 */
  trackingLinkOpenPoints?: number;
  /** @default 60 (seconds) */
  trackingLinkOpenWindowSeconds?: number;
  /** Address searches per user per window. @default 20 */
  geocodePoints?: number;
  /** @default 10 (seconds) */
  geocodeWindowSeconds?: number;
}

export type RateLimitName = "mutation" | "chat" | "login" | "trackingLink" | "trackingLinkOpen" | "geocode";

/** One limit: points per key per window. rate-limiter-flexible's limiters are one. */
export interface Limiter {
  /** Spends a point of `key`'s, or rejects with `LimitReached` (or rate-limiter-flexible's `RateLimiterRes`). */
  consume(key: string): Promise<unknown>;
  /** Gives `points` back to `key`'s current window. */
  reward(key: string, points: number): Promise<unknown>;
  /**
   * Spends a point at once, for a limit counted in this process: null when spent, the
   * refusal otherwise. Absent for a limit that must be asked (Redis); then `consume`.
   */
  consumeNow?(key: string): LimitReached | null;
}

/** Why `WindowLimiter` refused a point: the key's window is spent until `msBeforeNext` has passed. */
export class LimitReached extends Error {
  constructor(readonly msBeforeNext: number) {
    super(`limit reached; the window ends in ${msBeforeNext} ms`);
  }
}

interface Window {
  spent: number;
  endsAt: number;
}

const SPENT: Promise<void> = Promise.resolve();

/**
 * A limit for one process, counted as rate-limiter-flexible's `RateLimiterMemory` counts:
 * a key's window opens with its first point and lasts `durationSeconds`, and a point beyond
 * `points` in it is refused until it ends. A point costs a Map lookup and no allocation (the
 * same settled promise answers every point spent), where rate-limiter-flexible makes a
 * promise, a result object and, for a new key, a timer. Ended windows are dropped by a sweep
 * at most once per window length, made by the point that finds it due.
 */
export class WindowLimiter implements Limiter {
  private readonly windows = new Map<string, Window>();
  private readonly durationMs: number;
  private sweepAt: number;

  constructor(
    private readonly points: number,
    durationSeconds: number,
  ) {
    this.durationMs = durationSeconds * 1_000;
    this.sweepAt = Date.now() + this.durationMs;
  }

  /** Keys with a window held now, ended or not. */
  get keys(): number {
    return this.windows.size;
  }

  consume(key: string): Promise<void> {
    const refused = this.consumeNow(key);
    return refused ? Promise.reject(refused) : SPENT;
  }

  consumeNow(key: string): LimitReached | null {
    const now = Date.now();
    if (now >= this.sweepAt) this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) this.windows.set(key, (window = { spent: 0, endsAt: now + this.durationMs }));
    window.spent += 1;
    return window.spent <= this.points ? null : new LimitReached(window.endsAt - now);
  }

  reward(key: string, points: number): Promise<void> {
    const window = this.windows.get(key);
    if (window && window.endsAt > Date.now()) window.spent = Math.max(0, window.spent - points);
    return SPENT;
  }

  private sweep(now: number): void {
    this.sweepAt = now + this.durationMs;
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}

export interface RateLimits extends Record<RateLimitName, Limiter> {
  /** Calls each limit refused with TOO_MANY_REQUESTS (through `consumeOrThrow`), since start. */
  readonly refused: Record<RateLimitName, number>;
}

/**
 * The limits: in this process (`WindowLimiter`), or in Redis with rate-limiter-flexible so
 * every instance shares the same budget.
 */
export function createRateLimits(settings: RateLimitSettings = {}, redis?: Redis): RateLimits {
  const make = (keyPrefix: string, points: number, duration: number): Limiter =>
    redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `convoy:rl:${keyPrefix}`,
          points,
          duration,
          // While Redis is unreachable each instance limits on its own rather than failing requests.
          insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
        })
      : new WindowLimiter(points, duration);
  return {
    mutation: make("mutation", settings.mutationPoints ?? 120, settings.mutationWindowSeconds ?? 10),
    chat: make("chat", settings.chatPoints ?? 10, settings.chatWindowSeconds ?? 10),
    login: make("login", settings.loginPoints ?? 10, settings.loginWindowSeconds ?? 60),
    trackingLink: make("tracking-link", settings.trackingLinkPoints ?? 30, settings.trackingLinkWindowSeconds ?? 3_600),
    trackingLinkOpen: make("tracking-link-open", settings.trackingLinkOpenPoints ?? 60, settings.trackingLinkOpenWindowSeconds ?? 60),
    geocode: make("geocode", settings.geocodePoints ?? 20, settings.geocodeWindowSeconds ?? 10),
    refused: { mutation: 0, chat: 0, login: 0, trackingLink: 0, trackingLinkOpen: 0, geocode: 0 },
  };
}

/** Spends one point of limit `name` for `key`, or counts a refusal and throws TOO_MANY_REQUESTS saying when to retry. */
export async function consumeOrThrow(limits: RateLimits, name: RateLimitName, key: string, what: string): Promise<void> {
  try {
    await limits[name].consume(key);
  } catch (error) {
    if (error instanceof LimitReached || error instanceof RateLimiterRes) throw tooMany(limits, name, what, error);
    throw error;
  }
}

/**
 * `consumeOrThrow` without a promise when the limit is counted in this process: returns
 * undefined once the point is spent and throws TOO_MANY_REQUESTS at once when refused. A
 * limit kept in Redis is asked as `consumeOrThrow` asks it, and its promise returned.
 */
export function spendNow(limits: RateLimits, name: RateLimitName, key: string, what: string): Promise<void> | undefined {
  const limiter = limits[name];
  if (!limiter.consumeNow) return consumeOrThrow(limits, name, key, what);
  const refused = limiter.consumeNow(key);
  if (refused) throw tooMany(limits, name, what, refused);
  return undefined;
}

/** Counts a refusal of limit `name` and says when to retry. */
function tooMany(limits: RateLimits, name: RateLimitName, what: string, refusal: { msBeforeNext: number }): TRPCError {
  limits.refused[name]++;
  const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
  return new TRPCError({ code: "TOO_MANY_REQUESTS", message: `Too many ${what}; try again in ${seconds} s` });
}
