import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import type { AnyHandler, Bus } from "./bus";
import type { BusMessages, Channel } from "./channels";

export interface RedisBusOptions {
  url: string;
  logger: Logger;
  /** Extra ioredis options (tests shorten retry delays). */
  redisOptions?: RedisOptions;
}

export interface RedisBus extends Bus {
  /** A plain command connection, for shared state such as rate limits. */
  commands: Redis;
}

/**
 * The bus across processes: Redis pub/sub, one publisher and one subscriber connection.
 *
 * Pub/sub drops what is published while a subscriber is disconnected. Callers that need
 * exactness register `onReconnect` and catch up from the durable log; everything else
 * (typing, positions, presence) is state that the next message supersedes.
 */
export function createRedisBus(options: RedisBusOptions): RedisBus {
  const base: RedisOptions = {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
    ...options.redisOptions,
  };
  const publisher = new Redis(options.url, base);
  // No ready check on the subscriber: its INFO would be refused once the connection is in
  // subscriber mode, which breaks every reconnect.
  const subscriber = new Redis(options.url, { ...base, enableReadyCheck: false });
  const commands = new Redis(options.url, { ...base, enableOfflineQueue: false });
  const handlers = new Map<string, Set<AnyHandler>>();
  const reconnectHandlers = new Set<() => void>();
  const disconnectHandlers = new Set<() => void>();
  let wasDisconnected = false;

  // During an outage every reconnect attempt errors; one line per 10 s is enough.
  let lastErrorLoggedAt = 0;
  for (const connection of [publisher, subscriber, commands]) {
    connection.on("error", (error: Error) => {
      if (Date.now() - lastErrorLoggedAt < 10_000) return;
      lastErrorLoggedAt = Date.now();
      options.logger.warn({ err: error.message }, "redis error");
    });
  }
  subscriber.on("close", () => {
    // Every failed reconnect attempt closes again; the outage is reported once.
    if (wasDisconnected) return;
    wasDisconnected = true;
    for (const handler of disconnectHandlers) handler();
  });
  subscriber.on("ready", () => {
    // ioredis re-subscribes on reconnect by itself; what was published meanwhile is gone.
    if (!wasDisconnected) return;
    wasDisconnected = false;
    options.logger.info("redis subscriber reconnected; catching up from the event log");
    for (const handler of reconnectHandlers) handler();
  });
  subscriber.on("message", (channel: string, raw: string) => {
    const set = handlers.get(channel);
    if (!set) return;
    let message: BusMessages[Channel];
    try {
      // Every instance publishes the channel's own type (see `BusMessages`), serialized.
      message = JSON.parse(raw) as BusMessages[Channel];
    } catch {
      options.logger.warn({ channel }, "dropped a malformed bus message");
      return;
    }
    for (const handler of [...set]) handler(message);
  });

  return {
    commands,
    publish(channel, message) {
      // On failure the durable log still has every event and live delivery resumes via
      // catch-up; the connection's error handler has already logged the outage.
      publisher.publish(channel, JSON.stringify(message)).catch(() => undefined);
    },
    subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        handlers.set(channel, (set = new Set()));
        subscriber.subscribe(channel).catch((error: unknown) => {
          options.logger.warn({ err: (error as Error).message, channel }, "redis subscribe failed");
        });
      }
      const stored = handler as AnyHandler;
      set.add(stored);
      return () => {
        set.delete(stored);
        if (set.size === 0) {
          handlers.delete(channel);
          void subscriber.unsubscribe(channel).catch(() => undefined);
        }
      };
    },
    onReconnect(handler) {
      reconnectHandlers.add(handler);
      return () => reconnectHandlers.delete(handler);
    },
    onDisconnect(handler) {
      disconnectHandlers.add(handler);
      return () => disconnectHandlers.delete(handler);
    },
    async ping() {
      // A subscriber that is not connected hears nothing from the other instances, and the
      // command connection (no offline queue) fails at once when it is down.
      if (subscriber.status !== "ready") throw new Error(`the Redis subscriber is ${subscriber.status}`);
      await Promise.all([publisher.ping(), commands.ping()]);
    },
    connections() {
      return { publisher: publisher.status === "ready", subscriber: subscriber.status === "ready", commands: commands.status === "ready" };
    },
    async close() {
      handlers.clear();
      reconnectHandlers.clear();
      disconnectHandlers.clear();
      await Promise.allSettled([publisher.quit(), subscriber.quit(), commands.quit()]);
    },
  };
}
