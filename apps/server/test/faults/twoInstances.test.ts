import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import type { PresenceEvent } from "@convoy/api";
import { sql, demoLogin, type DemoLogin } from "@convoy/db";
import { startCluster, type Cluster } from "../support/cluster";
import { beforeMarker, trackedId, writeMarkers } from "../support/barrier";
import { collect, collectFrom } from "../support/subscriptions";
import { loadInput } from "../support/fixtures";

const GRACE_MS = 1_000;
const HEARTBEAT_TTL_MS = 2_000;

let cluster: Cluster;
const clients: ConvoyClient[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    PRESENCE_GRACE_MS: String(GRACE_MS),
    PRESENCE_HEARTBEAT_MS: "500",
    PRESENCE_HEARTBEAT_TTL_MS: String(HEARTBEAT_TTL_MS),
  });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await cluster.stop();
});

async function clientFor(url: string, { email, password }: DemoLogin) {
  const anonymous = createConvoyClient({ url, WebSocket });
  clients.push(anonymous);
  const { token, user } = await anonymous.api.auth.login.mutate({ email, password });
  const client = createConvoyClient({ url, token, WebSocket, lazy: false });
  clients.push(client);
  return Object.assign(client, { userId: user.id });
}

async function offerIdsVisibleTo(driverId: number): Promise<number[]> {
  const [rows] = (await cluster.db.db.execute(
    sql`SELECT id FROM events WHERE stream = 'offers' AND driver_id = ${driverId} ORDER BY id`,
  )) as unknown as [{ id: number }[]];
  return rows.map((row) => row.id);
}

describe("two instances behind a balancer", () => {
  it("carries events across instances; when B dies its clients resume on A and its drivers go offline", async () => {
    const { a, b, balancer } = cluster;
    const dispatcher = await clientFor(a.url, demoLogin("dispatcher"));
    const movingDriver = await clientFor(balancer.url, demoLogin("driver"));
    const strandedDriver = await clientFor(b.url, demoLogin("driver", 2));

    const presence = collect<PresenceEvent>((handlers) => dispatcher.api.presence.events.subscribe(undefined, handlers));
    const onlineNow = () => {
      const online = new Set<number>();
      for (const event of presence.items) {
        if (event.kind === "snapshot") {
          online.clear();
          for (const entry of event.online) online.add(entry.userId);
        } else if (event.online) online.add(event.userId);
        else online.delete(event.userId);
      }
      return online;
    };
    const movingEvents = collectFrom(movingDriver.api.offers.events.subscribe, { lastEventId: "0" });
    const strandedEvents = collectFrom(strandedDriver.api.offers.events.subscribe, {});
    await Promise.all([presence.started, movingEvents.started, strandedEvents.started]);
    await presence.until(() => onlineNow().has(movingDriver.userId) && onlineNow().has(strandedDriver.userId));

    // A client on B receives what a client on A caused.
    const first = await dispatcher.api.offers.create.mutate(loadInput([movingDriver.userId, strandedDriver.userId]));
    await movingEvents.until((items) => items.some((item) => item.data.offerId === first.id));
    await strandedEvents.until((items) => items.some((item) => item.data.offerId === first.id));

    const state = { writing: true };
    const writer = (async () => {
      while (state.writing) {
        await dispatcher.api.offers.create.mutate(loadInput([movingDriver.userId]));
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 800));
    b.child.kill("SIGKILL");
    const killedAt = Date.now();
    await b.exited;

    // B's stranded driver goes offline within the grace plus the heartbeat TTL; no ghost stays.
    await presence.until(() => !onlineNow().has(strandedDriver.userId), GRACE_MS + HEARTBEAT_TTL_MS + 3_000);
    expect(Date.now() - killedAt).toBeLessThan(GRACE_MS + HEARTBEAT_TTL_MS + 3_000);

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    state.writing = false;
    await writer;

    // The moving driver reconnected through the balancer to A and missed nothing.
    const expected = await offerIdsVisibleTo(movingDriver.userId);
    await movingEvents.until((items) => items.length >= expected.length, 15_000);
    const [marker] = await writeMarkers(cluster.db.db, null, "offers", [{ driverId: movingDriver.userId }]);
    const received = await beforeMarker(movingEvents, marker!, trackedId, 15_000);
    expect(received.map((item) => Number(item.id))).toEqual(expected);
    expect(onlineNow().has(movingDriver.userId)).toBe(true);
    const online = await dispatcher.api.presence.online.query();
    expect(online.online.map((entry) => entry.userId).sort()).toEqual([dispatcher.userId, movingDriver.userId].sort((x, y) => x - y));
    presence.stop();
    movingEvents.stop();
    strandedEvents.stop();
  });
});
