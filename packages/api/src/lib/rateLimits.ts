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
}

export interface RateLimits {
  mutation: RateLimiterAbstract;
  chat: RateLimiterAbstract;
  login: RateLimiterAbstract;
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
  };
}

/** Spends one point for `key`, or throws TOO_MANY_REQUESTS saying when to retry. */
export async function consumeOrThrow(limiter: RateLimiterAbstract, key: string, what: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: `Too many ${what}; try again in ${seconds} s` });
    }
    throw error;
  }
}
