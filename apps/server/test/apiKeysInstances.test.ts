import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { pino } from "pino";
import { createInProcessBus, createRedisBus, SESSION_ENDED_CLOSE_CODE, type Bus } from "@convoy/api/server";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { demoLogin } from "@convoy/db";
import { prepareDatabase, type RunningServer } from "../src";
import { createTestDatabase, startTestServer } from "./support/harness";
import { startPrivateRedis, type PrivateRedis } from "./support/redis";
import { failure } from "./support/offerFixtures";
import { collectFrom } from "./support/subscriptions";
import { openTrpcSocket, frameMatching, replyTo } from "./support/rawSockets";

/** How often each instance re-reads the keys it holds: the bound on a revocation that misses the bus. */
const RECHECK_MS = 1_000;

let redis: PrivateRedis;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
const servers: RunningServer[] = [];
const clients: ConvoyClient[] = [];

/** An instance on the shared Redis, or, with `bus`, on a bus of its own that hears no other instance. */
async function startInstance(bus?: Bus): Promise<RunningServer> {
  const { handle } = await prepareDatabase(database.url, { seed: true });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const server = await startTestServer(handle, {
    logger,
    bus: bus ?? createRedisBus({ url: redis.url, logger, redisOptions: { retryStrategy: () => 200 } }),
    apiKeys: { recheckMs: RECHECK_MS },
  });
  servers.push(server);
  return server;
}

function client(url: string, credentials: { apiKey?: string; token?: string }): ConvoyClient {
  const made = createConvoyClient({ url, WebSocket, ...credentials });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  database = await createTestDatabase();
  await startInstance();
  await startInstance();
});

afterAll(async () => {
  await Promise.allSettled(clients.map((made) => made.close()));
  for (const server of servers) await server.shutdown().catch(() => undefined);
  await redis.stop();
  await database.drop();
});

async function dispatcherOn(server: RunningServer): Promise<ConvoyClient> {
  const { email, password } = demoLogin("dispatcher", 1);
  const { token } = await client(server.url, {}).api.auth.login.mutate({ email, password });
  return client(server.url, { token });
}

describe("a key revoked on one instance", () => {
  it("closes its sockets on another instance within a second, through Redis", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const dispatcher = await dispatcherOn(a);
    const created = await dispatcher.api.apiKeys.create.mutate({ name: "follower", scopes: ["trips:read"] });
    const service = client(b.url, { apiKey: created.key });
    const stream = collectFrom(service.api.trips.events.subscribe, {});
    await stream.started;
    const ended = new Promise<number>((resolve) => service.onSessionEnded(() => resolve(Date.now())));

    const revokedAt = Date.now();
    await dispatcher.api.apiKeys.revoke.mutate({ keyId: created.id });
    expect((await ended) - revokedAt).toBeLessThan(1_000);
    expect(service.sessionEnded).toEqual({ reason: "key_revoked" });
    expect(await failure(service.api.auth.me.query())).toMatchObject({ code: "UNAUTHORIZED", message: "This API key has been revoked" });
    stream.stop();
  });

  it("closes them on an instance that misses the bus by its re-read of MySQL", async () => {
    const [a] = servers as [RunningServer, RunningServer];
    const deaf = await startInstance(createInProcessBus());
    const dispatcher = await dispatcherOn(a);
    const created = await dispatcher.api.apiKeys.create.mutate({ name: "follower", scopes: ["trips:read"] });
    const raw = await openTrpcSocket(deaf.url, created.key);
    raw.send({ id: 1, method: "subscription", params: { path: "trips.events", input: {} } });
    await frameMatching(raw, replyTo(1));

    const revokedAt = Date.now();
    await dispatcher.api.apiKeys.revoke.mutate({ keyId: created.id });
    const closed = await raw.closed;
    expect(closed).toMatchObject({ code: SESSION_ENDED_CLOSE_CODE, reason: "key_revoked" });
    expect(closed.at - revokedAt).toBeLessThan(RECHECK_MS + 1_000);
  });
});
