import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { PublicTrackingFrame } from "@convoy/api";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { demoLogin, eq, offers, type DemoLogin } from "@convoy/db";
import type { RunningServer } from "../src";
import { useInstances } from "./support/instances";
import { collect } from "./support/subscriptions";

const instances = useInstances();
const { servers, clients } = instances;

/** An instance on the shared Redis whose MySQL re-check of held links is too slow to matter: only the bus can close a viewer in time. */
const startInstance = () => instances.start((bus) => ({ rateLimitRedis: bus.commands, trackingLinks: { recheckMs: 60_000 } }));

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
  await startInstance();
  await startInstance();
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
