import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient } from "@convoy/client";
import { createDb, demoLogin, drivers, eq } from "@convoy/db";
import { prepareDatabase } from "../src";
import { createTestDatabase, startTestServer } from "./support/harness";
import { eventually, locationCount, pointTrail } from "./support/tracking";

const databases: Awaited<ReturnType<typeof createTestDatabase>>[] = [];
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

describe("tracking and presence on shutdown", () => {
  it("writes every buffered point, the newest driver position and last_seen_at before the pool closes", async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const { handle } = await prepareDatabase(database.url, { seed: true });
    const server = await startTestServer(handle, {
      // Nothing is written on a timer in this test: only shutdown can have written it.
      tracking: { flushIntervalMs: 3_600_000, positionSyncIntervalMs: 3_600_000 },
    });
    const { email, password } = demoLogin("driver", 2);
    const anonymous = createConvoyClient({ url: server.url, WebSocket });
    const { token, user } = await anonymous.api.auth.login.mutate({ email, password });
    // An open socket makes the driver present; it closes before shutdown, inside the 30 s grace.
    const driver = createConvoyClient({ url: server.url, token, WebSocket, lazy: false });
    const connectedAt = Date.now();

    const trail = pointTrail(120, Date.now(), 250);
    for (let i = 0; i < trail.length; i += 40) {
      expect(await driver.api.tracking.report.mutate({ points: trail.slice(i, i + 40) })).toEqual({ accepted: 40, rejected: [] });
    }
    expect(server.services.tracking.pendingLocationRows).toBe(120);
    await eventually(async () => (server.services.presence.isOnline(user.id) ? true : undefined));
    await Promise.all([anonymous.close(), driver.close()]);
    await server.shutdown();

    const check = createDb(database.url);
    try {
      expect(await locationCount(check.db, user.id)).toBe(120);
      const [row] = await check.db.select().from(drivers).where(eq(drivers.userId, user.id));
      const newest = trail.at(-1)!;
      expect(row).toMatchObject({ lat: newest.lat, lng: newest.lng, positionAt: new Date(newest.recordedAt) });
      expect(row?.lastSeenAt?.getTime()).toBeGreaterThanOrEqual(connectedAt);
    } finally {
      await check.close();
    }
  });
});
