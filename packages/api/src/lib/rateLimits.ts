import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
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

export interface RateLimits extends Record<RateLimitName, RateLimiterAbstract> {
  /** Calls each limit refused with TOO_MANY_REQUESTS (through `consumeOrThrow`), since start. */
  readonly refused: Record<RateLimitName, number>;
}

/**
 * Rate limiters from rate-limiter-flexible: in memory for one process, or in Redis so every
 * instance shares the same budget.
 */
export function createRateLimits(settings: RateLimitSettings = {}, redis?: Redis): RateLimits {
  const make = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract =>
    redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `convoy:rl:${keyPrefix}`,
          points,
          duration,
          // While Redis is unreachable each instance limits on its own rather than failing requests.
          insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
        })
      : new RateLimiterMemory({ keyPrefix, points, duration });
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
    if (error instanceof RateLimiterRes) {
      limits.refused[name]++;
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: `Too many ${what}; try again in ${seconds} s` });
    }
    throw error;
  }
}
