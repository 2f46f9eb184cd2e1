import { createInProcessBus, type Bus } from "@convoy/api";
import type { Logger } from "pino";

/** The in-process bus, or Redis pub/sub when `REDIS_URL` is set. */
export async function createBus(redisUrl: string | undefined, logger: Logger): Promise<Bus> {
  if (redisUrl) logger.warn("REDIS_URL is set but the Redis bus is not available in this build; using in-process bus");
  return createInProcessBus();
}
