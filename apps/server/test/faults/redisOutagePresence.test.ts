import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import type { PresenceEvent } from "@convoy/api";
import { demoLogins } from "@convoy/db";
import { startCluster, type Cluster } from "../support/cluster";
import { collect, type Collected } from "../support/subscriptions";

const GRACE_MS = 2_000;
const HEARTBEAT_MS = 1_000;
const HEARTBEAT_TTL_MS = 3_000;
/** The outage: ten heartbeat TTLs, and the 30 s the fault was reported with. */
const OUTAGE_MS = 30_000;
/** ioredis retries at most every 2 s; then one heartbeat; then slack for a loaded host. */
const RETURN_BOUND_MS = 2_000 + HEARTBEAT_MS + 3_000;

let cluster: Cluster;
const clients: ConvoyClient[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    PRESENCE_GRACE_MS: String(GRACE_MS),
    PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS),
    PRESENCE_HEARTBEAT_TTL_MS: String(HEARTBEAT_TTL_MS),
  });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await cluster.stop();
});

/** Logs in on `url` and opens a socket there at once, so the user is present on that instance. */
async function connect(url: string, email: string): Promise<ConvoyClient & { userId: number }> {
  const login = demoLogins().find((entry) => entry.email === email)!;
  const anonymous = createConvoyClient({ url, WebSocket });
  clients.push(anonymous);
  const { token, user } = await anonymous.api.auth.login.mutate({ email, password: login.password });
  const client = createConvoyClient({ url, token, WebSocket, lazy: false });
  clients.push(client);
  return Object.assign(client, { userId: user.id });
}

const onlineIds = async (client: ConvoyClient) => new Set((await client.api.presence.online.query()).online.map((entry) => entry.userId));

/** Spaces out the polls of `presence.online`, which observe a time window (they synchronise nothing). */
const POLL_EVERY_MS = 200;
const pollPause = () => new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));

const changesIn = (stream: Collected<PresenceEvent>) =>
  stream.items.flatMap((item) => (item.kind === "change" ? [{ userId: item.userId, online: item.online }] : []));

describe("presence while Redis is down", () => {
  it("keeps every connected user online on both instances for a 30 s outage, with no flaps; leavers go offline once it is back", async () => {
    const { a, b } = cluster;
    const watcherA = await connect(a.url, "dispatcher@convoy.test");
    const watcherB = await connect(b.url, "dispatcher@convoy.test");
    const onA = await Promise.all([1, 2, 3].map((i) => connect(a.url, `driver${i}@convoy.test`)));
    const onB = await Promise.all([4, 5, 6].map((i) => connect(b.url, `driver${i}@convoy.test`)));
    const leaverA = await connect(a.url, "driver7@convoy.test");
    const leaverB = await connect(b.url, "driver8@convoy.test");
    const steady = [watcherA, ...onA, ...onB].map((client) => client.userId);
    const everyone = [...steady, leaverA.userId, leaverB.userId];

    for (const watcher of [watcherA, watcherB]) {
      for (const deadline = Date.now() + 15_000; ;) {
        const online = await onlineIds(watcher);
        if (everyone.every((id) => online.has(id))) break;
        if (Date.now() > deadline) throw new Error(`not everyone online: ${[...online].join(",")}`);
        await pollPause();
      }
    }
    const streams = [watcherA, watcherB].map((watcher) =>
      collect<PresenceEvent>((handlers) => watcher.api.presence.events.subscribe(undefined, handlers)),
    );
    await Promise.all(streams.map((stream) => stream.until((items) => items.length > 0)));
    for (const stream of streams) {
      const snapshot = stream.items[0];
      expect(snapshot?.kind === "snapshot" && snapshot.online.map((entry) => entry.userId).sort()).toEqual([...everyone].sort());
    }

    await cluster.redis.stop();
    const outageStart = Date.now();
    let leaversClosedAt = 0;
    const missing: string[] = [];
    let polls = 0;
    // Both instances are asked who is online throughout the outage: no connected user may be missing.
    while (Date.now() - outageStart < OUTAGE_MS) {
      for (const [name, watcher] of [
        ["A", watcherA],
        ["B", watcherB],
      ] as const) {
        const online = await onlineIds(watcher);
        for (const id of steady) if (!online.has(id)) missing.push(`${name} lost ${id} at ${Date.now() - outageStart} ms`);
      }
      polls++;
      await pollPause();
      if (!leaversClosedAt && Date.now() - outageStart > OUTAGE_MS / 3) {
        await Promise.all([leaverA.close(), leaverB.close()]);
        leaversClosedAt = Date.now();
      }
    }
    expect(missing).toEqual([]);
    expect(polls).toBeGreaterThan(20);

    // Each instance saw its own leaver go, by its own count, while Redis was still down.
    expect(await onlineIds(watcherA)).not.toContain(leaverA.userId);
    expect(await onlineIds(watcherB)).not.toContain(leaverB.userId);

    await cluster.redis.start();
    const redisBackAt = Date.now();
    let crossLeaversGoneAfterMs = -1;
    // One TTL and a few heartbeats after the return: long enough for any expiry to have struck.
    while (Date.now() - redisBackAt < HEARTBEAT_TTL_MS + 3 * HEARTBEAT_MS + 2_000) {
      const [seenByA, seenByB] = await Promise.all([onlineIds(watcherA), onlineIds(watcherB)]);
      for (const id of steady) {
        if (!seenByA.has(id)) missing.push(`A lost ${id} ${Date.now() - redisBackAt} ms after the return`);
        if (!seenByB.has(id)) missing.push(`B lost ${id} ${Date.now() - redisBackAt} ms after the return`);
      }
      if (crossLeaversGoneAfterMs < 0 && !seenByA.has(leaverB.userId) && !seenByB.has(leaverA.userId)) {
        crossLeaversGoneAfterMs = Date.now() - redisBackAt;
      }
      await pollPause();
    }
    expect(missing).toEqual([]);
    expect(crossLeaversGoneAfterMs).toBeGreaterThanOrEqual(0);
    expect(crossLeaversGoneAfterMs).toBeLessThan(RETURN_BOUND_MS);
    console.info(`leavers on the other instance went offline ${crossLeaversGoneAfterMs} ms after Redis returned`);

    // The only presence changes either instance announced: each leaver going offline, once.
    const expected = [
      { userId: leaverA.userId, online: false },
      { userId: leaverB.userId, online: false },
    ].sort((x, y) => x.userId - y.userId);
    for (const stream of streams) {
      expect(changesIn(stream).sort((x, y) => x.userId - y.userId)).toEqual(expected);
      stream.stop();
    }
  }, 120_000);
});
