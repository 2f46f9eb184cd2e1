import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { pino } from "pino";
import type { PublicTrackingFrame } from "@convoy/api";
import { createRedisBus } from "@convoy/api/server";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { demoLogin, eq, offers, type DemoLogin } from "@convoy/db";
import { prepareDatabase, type RunningServer } from "../src";
import { createTestDatabase, startTestServer } from "./support/harness";
import { startPrivateRedis, type PrivateRedis } from "./support/redis";
import { collect } from "./support/subscriptions";

let redis: PrivateRedis;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
const servers: RunningServer[] = [];
const clients: ConvoyClient[] = [];

/** An instance on the shared Redis whose MySQL re-check of held links is too slow to matter: only the bus can close a viewer in time. */
async function startInstance(): Promise<RunningServer> {
  const { handle } = await prepareDatabase(database.url, { seed: true });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const bus = createRedisBus({ url: redis.url, logger, redisOptions: { retryStrategy: () => 200 } });
  const server = await startTestServer(handle, { logger, bus, rateLimitRedis: bus.commands, trackingLinks: { recheckMs: 60_000 } });
  servers.push(server);
  return server;
}

function client(server: RunningServer, token?: string): ConvoyClient {
  const made = createConvoyClient({ url: server.url, token, WebSocket });
  clients.push(made);
  return made;
}

async function login(server: RunningServer, { email, password }: DemoLogin): Promise<ConvoyClient> {
  const { token } = await client(server).api.auth.login.mutate({ email, password });
  return client(server, token);
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

describe("tracking links on two instances", () => {
  it("closes a viewer on one instance within a second of a revocation on the other", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const dispatcher = await login(a, demoLogin("dispatcher", 1));
    const rider = await login(a, demoLogin("rider", 1));
    const driver = await login(a, demoLogin("driver", 3));
    // A ride from beside driver 3, the nearest driver, who alone is offered it and accepts.
    const driverThree = await dispatcher.api.drivers.byId.query({ driverId: (await driver.api.auth.me.query()).id });
    const trip = await rider.api.trips.request.mutate({
      pickup: { address: "Near driver 3", lat: driverThree.position!.lat + 0.001, lng: driverThree.position!.lng },
      dropoff: { address: "Downtown", lat: 41.8781, lng: -87.6298 },
    });
    const [rideOffer] = await servers[0]!.services.db.select().from(offers).where(eq(offers.tripId, trip.id));
    await driver.api.offers.respond.mutate({ offerId: rideOffer!.id, action: "accept" });

    const { token, link } = await dispatcher.api.trackingLinks.create.mutate({ tripId: trip.id, expiresInMinutes: 60 });
    let completedAt = 0;
    let markCompleted!: () => void;
    const completed = new Promise<void>((resolve) => (markCompleted = resolve));
    const stream = collect<PublicTrackingFrame>((handlers) =>
      client(b).api.trackingLinks.watch.subscribe(
        { token },
        {
          ...handlers,
          onComplete: () => {
            completedAt = Date.now();
            markCompleted();
          },
        },
      ),
    );
    await stream.until((frames) => frames.length >= 1);
    const revokedAt = Date.now();
    await dispatcher.api.trackingLinks.revoke.mutate({ linkId: link.id });
    await completed;
    expect(stream.items.find((frame) => frame.kind === "ended")?.ended).toBe("revoked");
    expect(completedAt - revokedAt).toBeLessThan(1_000);
    expect(b.services.trackingLinks.viewers.size).toBe(0);
  });
});
