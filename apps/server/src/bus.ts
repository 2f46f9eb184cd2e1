import { createInProcessBus, createRedisBus, type Bus } from "@convoy/api/server";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/** The in-process bus, or Redis pub/sub (plus a shared rate-limit store) when `REDIS_URL` is set. */
export function createBus(redisUrl: string | undefined, logger: Logger): { bus: Bus; rateLimitRedis?: Redis } {
  if (!redisUrl) return { bus: createInProcessBus() };
  const bus = createRedisBus({ url: redisUrl, logger });
  return { bus, rateLimitRedis: bus.commands };
}
