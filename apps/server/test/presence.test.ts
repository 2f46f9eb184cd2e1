import { describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter, PresenceEvent } from "@convoy/api";
import { drivers, eq } from "@convoy/db";
import { useTestServer } from "./support/harness";
import { collect } from "./support/subscriptions";
import { connectedClient, eventually } from "./support/tracking";

const GRACE_MS = 1_500;
const t = useTestServer({ presenceGraceMs: GRACE_MS });

async function errorOf(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error("expected the call to fail");
}

/** Waits until the server holds `n` authenticated sockets for the user. */
const socketsOpen = (userId: number, n: number) =>
  eventually(async () => (t.server.services.sessions.streamCount(userId) === n ? true : undefined), 10_000, `${n} sockets`);

/** The dispatcher's presence stream; its own socket makes the dispatcher online. */
async function watchPresence() {
  const dispatcher = await t.as("dispatcher");
  const stream = collect<PresenceEvent>((handlers) => dispatcher.api.presence.events.subscribe(undefined, handlers));
  await stream.until((items) => items.length > 0);
  const changesOf = (userId: number) => stream.items.flatMap((item) => (item.kind === "change" && item.userId === userId ? [item] : []));
  return { dispatcher, stream, changesOf };
}

describe("presence", () => {
  it("shows a driver online while connected and offline after the grace period, persisting last_seen_at", async () => {
    const { dispatcher, stream, changesOf } = await watchPresence();
    const snapshot = stream.items[0];
    expect(snapshot?.kind).toBe("snapshot");
    if (snapshot?.kind === "snapshot") expect(snapshot.online.map((entry) => entry.userId)).toContain(dispatcher.userId);

    const driver = await t.as("driver", 3);
    const connectedAt = Date.now();
    const socket = connectedClient(t, driver.token);
    await stream.until(() => changesOf(driver.userId).length === 1);
    expect(changesOf(driver.userId)[0]).toMatchObject({ role: "driver", online: true });
    const online = await dispatcher.api.presence.online.query();
    expect(online.online).toContainEqual({ userId: driver.userId, role: "driver", since: expect.any(Number) });

    const closedAt = Date.now();
    await socket.close();
    await stream.until(() => changesOf(driver.userId).length === 2);
    const offline = changesOf(driver.userId)[1]!;
    expect(offline).toMatchObject({ role: "driver", online: false });
    // Not before the grace period has passed since the socket closed.
    expect(offline.at - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 5);
    expect((await dispatcher.api.presence.online.query()).online.map((entry) => entry.userId)).not.toContain(driver.userId);

    const [row] = await eventually(async () => {
      const rows = await t.db.select().from(drivers).where(eq(drivers.userId, driver.userId));
      return rows[0]?.lastSeenAt ? rows : undefined;
    });
    expect(row!.lastSeenAt!.getTime()).toBeGreaterThanOrEqual(connectedAt);
    expect(row!.lastSeenAt!.getTime()).toBeLessThanOrEqual(offline.at);
    stream.stop();
  });

  it("does not flap when a driver reconnects within the grace period", async () => {
    const { stream, changesOf } = await watchPresence();
    const [driver, sentinel] = await Promise.all([t.as("driver", 4), t.as("driver", 5)]);

    const firstSocket = connectedClient(t, driver.token);
    await stream.until(() => changesOf(driver.userId).length === 1);
    await firstSocket.close();
    await socketsOpen(driver.userId, 0);
    const secondSocket = connectedClient(t, driver.token);
    await socketsOpen(driver.userId, 1);

    // The sentinel connects after the driver's first socket closed and goes offline a full grace
    // period after its own close, so by then the driver would have gone offline if it were going to.
    const sentinelSocket = connectedClient(t, sentinel.token);
    await stream.until(() => changesOf(sentinel.userId).length === 1);
    await sentinelSocket.close();
    await stream.until(() => changesOf(sentinel.userId).length === 2);

    expect(changesOf(driver.userId).map((change) => change.online)).toEqual([true]);
    await secondSocket.close();
    await stream.until(() => changesOf(driver.userId).length === 2);
    expect(changesOf(driver.userId).map((change) => change.online)).toEqual([true, false]);
    stream.stop();
  });

  it("does not track riders", async () => {
    const { stream, changesOf } = await watchPresence();
    const [rider, sentinel] = await Promise.all([t.as("rider", 2), t.as("driver", 6)]);
    const riderSocket = connectedClient(t, rider.token);
    await socketsOpen(rider.userId, 1);
    const sentinelSocket = connectedClient(t, sentinel.token);
    await stream.until(() => changesOf(sentinel.userId).length === 1);
    expect(changesOf(rider.userId)).toEqual([]);
    await Promise.all([riderSocket.close(), sentinelSocket.close()]);
    stream.stop();
  });

  it("is for dispatchers only", async () => {
    for (const client of [await t.as("driver", 7), await t.as("rider", 1)]) {
      expect((await errorOf(client.api.presence.online.query())).data?.code).toBe("FORBIDDEN");
      const stream = collect<PresenceEvent>((handlers) => client.api.presence.events.subscribe(undefined, handlers));
      await stream.until(() => stream.errors.length > 0);
      stream.stop();
      expect((stream.errors[0] as TRPCClientError<AppRouter>).data?.code).toBe("FORBIDDEN");
    }
  });
});
