import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TRPCClientError } from "@trpc/client";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import type { PositionSocketReply } from "@convoy/api";
import { createDb, demoLogins, drivers, eq, locations, sql, users, type Database } from "@convoy/db";
import { prepareDatabase } from "../src";
import { createTestDatabase, startTestServer, useTestServer } from "./support/harness";
import { eventually, insertDrivers, locationCount } from "./support/tracking";

const t = useTestServer({ tracking: { flushIntervalMs: 50 } });

const databases: Awaited<ReturnType<typeof createTestDatabase>>[] = [];
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

/** Deletes a driver the way an admin would, in one transaction: their breadcrumbs, then the user (the driver row cascades). */
async function deleteDriver(tx: Pick<Database, "delete">, driverId: number): Promise<void> {
  await tx.delete(locations).where(eq(locations.driverId, driverId));
  await tx.delete(users).where(eq(users.id, driverId));
}

/** A position socket signed in with `token`, with a `sync` that waits until every report before it was handled. */
async function positionSocket(url: string, token: string) {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/positions`);
  const replies: PositionSocketReply[] = [];
  ws.on("message", (data: Buffer) => replies.push(JSON.parse(data.toString("utf8")) as PositionSocketReply));
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  ws.send(JSON.stringify({ type: "auth", token }));
  await eventually(async () => (replies.some((reply) => reply.type === "ready") ? true : undefined), 5_000, "ready");
  let seq = 0;
  return {
    ws,
    replies,
    report: (points: { lat: number; lng: number; recordedAt: number }[]) => ws.send(JSON.stringify({ type: "report", seq: ++seq, points })),
    /**
     * Waits until every report before it was handled. With `orClose`, a socket the server
     * closes meanwhile (the session of a deleted user ends within its re-check) ends the wait
     * too: nothing more can arrive on it.
     */
    async sync(options: { orClose?: boolean } = {}) {
      const at = ++seq;
      ws.send(JSON.stringify({ type: "sync", seq: at }));
      const done = () =>
        replies.some((reply) => reply.type === "synced" && reply.seq === at) || (options.orClose === true && ws.readyState !== WebSocket.OPEN);
      await eventually(async () => (done() ? true : undefined), 5_000, `synced ${at}`);
    },
  };
}

const point = (i: number, at: number) => ({ lat: 41.8 + i * 0.0001, lng: -87.6 - i * 0.0001, recordedAt: at });

async function recordedTimes(db: Database, driverId: number): Promise<number[]> {
  const rows = await db.select({ at: locations.recordedAt }).from(locations).where(eq(locations.driverId, driverId));
  return rows.map((row) => row.at.getTime()).sort((a, b) => a - b);
}

describe("a driver deleted while still reporting", () => {
  it("has their points dropped and counted while every other driver's points reach MySQL", async () => {
    const { emails } = await insertDrivers(t.db, 1, "gone");
    const doomed = await t.login(emails[0]!, "gone-unused");
    const others = await Promise.all([1, 2, 3].map((index) => t.as("driver", index)));
    const socket = await positionSocket(t.url, doomed.token);
    const start = Date.now() - 60_000;
    const sent = new Map<number, number[]>(others.map((driver) => [driver.userId, []]));

    // Two reports are accepted while the deletion holds the driver's row, so their rows
    // cannot be written before it commits: then they meet a driver that is gone.
    const server = t.server.services.tracking;
    await t.db.transaction(async (tx) => {
      await tx.select({ id: drivers.userId }).from(drivers).where(eq(drivers.userId, doomed.userId)).for("update");
      await doomed.api.tracking.report.mutate({ points: [point(0, start)] });
      socket.report([point(1, start + 1)]);
      await socket.sync();
      await deleteDriver(tx, doomed.userId);
    });

    let doomedAccepted = 0;
    for (let round = 0; round < 10; round++) {
      const at = start + 1_000 * (round + 1);
      for (const driver of others) {
        await driver.api.tracking.report.mutate({ points: [point(round, at)] });
        sent.get(driver.userId)!.push(at);
      }
      // Whether a deleted user's token is still honoured is not the writer's business:
      // whatever is accepted must not block anyone else.
      const accepted = await doomed.api.tracking.report.mutate({ points: [point(round, at + 1)] }).then(
        (result) => result.accepted,
        (error: unknown) => {
          if (error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === "UNAUTHORIZED") return 0;
          throw error;
        },
      );
      doomedAccepted += accepted;
      if (socket.ws.readyState === WebSocket.OPEN) socket.report([point(round, at + 2)]);
    }
    if (socket.ws.readyState === WebSocket.OPEN) await socket.sync({ orClose: true });
    const lastReportAt = Date.now();

    for (const driver of others) {
      await eventually(
        async () => ((await locationCount(t.db, driver.userId, start, start + 20_000)) === 10 ? true : undefined),
        15_000,
        `driver ${driver.userId}'s 10 points in MySQL`,
      );
      expect(await recordedTimes(t.db, driver.userId).then((times) => times.filter((time) => time >= start))).toEqual(sent.get(driver.userId));
    }
    const landedAfterMs = Date.now() - lastReportAt;
    await eventually(async () => (server.pendingLocationRows === 0 ? true : undefined), 5_000, "an empty buffer");
    expect(await locationCount(t.db, doomed.userId)).toBe(0);
    // The two points accepted during the deletion, and every one accepted after it.
    expect(server.droppedLocationRows).toBeGreaterThanOrEqual(2 + doomedAccepted);
    console.info(
      `dropped ${server.droppedLocationRows} refused rows; the other drivers' points were all in MySQL ${landedAfterMs} ms after the last report`,
    );
    socket.ws.close();
  });

  it("does not cost the other drivers' buffered points at shutdown", async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const { handle } = await prepareDatabase(database.url, { seed: true });
    const server = await startTestServer(handle, {
      // Nothing is written on a timer: only shutdown writes the buffer.
      tracking: { flushIntervalMs: 3_600_000 },
    });
    const clients: ConvoyClient[] = [];
    const login = async (email: string, password: string) => {
      const anonymous = createConvoyClient({ url: server.url, WebSocket });
      clients.push(anonymous);
      const { token, user } = await anonymous.api.auth.login.mutate({ email, password });
      const client = createConvoyClient({ url: server.url, token, WebSocket });
      clients.push(client);
      return Object.assign(client, { userId: user.id });
    };
    const { emails } = await insertDrivers(handle.db, 1, "gone");
    const doomed = await login(emails[0]!, "gone-unused");
    const demo = demoLogins()
      .filter((entry) => entry.role === "driver")
      .slice(0, 3);
    const others = await Promise.all(demo.map((entry) => login(entry.email, entry.password)));
    const at = Date.now() - 10_000;

    // The gone driver's point sits at the head of the buffer, the others' behind it.
    await doomed.api.tracking.report.mutate({ points: [point(0, at)] });
    for (const driver of others) await driver.api.tracking.report.mutate({ points: [point(1, at), point(2, at + 1)] });
    await handle.db.transaction((tx) => deleteDriver(tx, doomed.userId));
    expect(server.services.tracking.pendingLocationRows).toBe(7);
    await Promise.all(clients.map((client) => client.close()));
    await server.shutdown();

    const check = createDb(database.url);
    try {
      for (const driver of others) expect(await recordedTimes(check.db, driver.userId)).toEqual([at, at + 1]);
      const [row] = (await check.db.execute(sql`SELECT COUNT(*) AS n FROM locations WHERE driver_id = ${doomed.userId}`)) as unknown as [
        { n: number }[],
      ];
      expect(Number(row[0]?.n)).toBe(0);
    } finally {
      await check.close();
    }
  });
});
