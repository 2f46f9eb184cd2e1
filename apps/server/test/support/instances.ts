import { afterAll, beforeAll } from "vitest";
import { pino, type Logger } from "pino";
import { createRedisBus, type Bus, type RedisBus } from "@convoy/api/server";
import type { ConvoyClient } from "@convoy/client";
import { prepareDatabase, type ConvoyServerConfig, type RunningServer } from "../../src";
import { createTestDatabase, startTestServer } from "./harness";
import { startPrivateRedis, type PrivateRedis } from "./redis";

type InstanceSettings = Partial<Omit<ConvoyServerConfig, "database" | "logger" | "bus">>;

export interface Instances {
  /** Every instance started, in order. */
  servers: RunningServer[];
  /** Clients to close after the file, before the instances stop. */
  clients: ConvoyClient[];
  /** The file's private Redis (tests stop and start it). */
  redis: () => PrivateRedis;
  /** Starts one more instance on the file's database and Redis, its settings from `configure` (given its Redis bus). */
  start: (configure?: (bus: RedisBus) => InstanceSettings) => Promise<RunningServer>;
  /** Starts one more instance on the file's database but on `bus`, which hears no other instance. */
  startApart: (bus: Bus, settings?: InstanceSettings) => Promise<RunningServer>;
}

/**
 * Server instances of one test file on one private Redis (`startPrivateRedis`) and one fresh
 * database, all stopped, with the clients, the Redis and the database, after the file.
 */
export function useInstances(): Instances {
  let redis: PrivateRedis | null = null;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  const servers: RunningServer[] = [];
  const clients: ConvoyClient[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    for (const server of servers) await server.shutdown().catch(() => undefined);
    await redis?.stop();
    await database?.drop();
  });

  async function launch<B extends Bus>(bus: (logger: Logger) => B, settings: (bus: B) => InstanceSettings): Promise<RunningServer> {
    const { handle } = await prepareDatabase(database!.url, { seed: true });
    const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
    const instanceBus = bus(logger);
    const server = await startTestServer(handle, { logger, bus: instanceBus, ...settings(instanceBus) });
    servers.push(server);
    return server;
  }

  return {
    servers,
    clients,
    redis: () => redis!,
    start: (configure = () => ({})) =>
      launch((logger) => createRedisBus({ url: redis!.url, logger, redisOptions: { retryStrategy: () => 200 } }), configure),
    startApart: (bus, settings = {}) =>
      launch(
        () => bus,
        () => settings,
      ),
  };
}
