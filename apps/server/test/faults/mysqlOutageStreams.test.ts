import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createSession, createTokenService } from "@convoy/api/server";
import { and, asc, createDb, eq, events, or, type DbHandle, type SQL } from "@convoy/db";
import { TEST_JWT_SECRET } from "../support/config";
import { useServerOnPrivateMysql } from "../support/privateMysqlServer";
import { loadInput } from "../support/fixtures";
import { collectFrom, type Collected } from "../support/subscriptions";
import { untilReady, waitFor, type RecordingClient } from "../support/recordingClients";

const t = useServerOnPrivateMysql("convoy_outage_streams");

/** What a durable stream delivered: the ids of its tracked events, in arrival order. */
const trackedIds = (items: unknown[]) =>
  items.flatMap((item) => (typeof item === "object" && item !== null && "id" in item && "data" in item ? [Number(item.id)] : []));

/** The ids the log holds for one stream and audience, oldest first: what a subscriber from 0 must get. */
async function logIds(db: DbHandle, stream: "offers" | "chat", audience: SQL, offerId?: number): Promise<number[]> {
  const rows = await db.db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.stream, stream), audience, offerId === undefined ? undefined : eq(events.offerId, offerId)))
    .orderBy(asc(events.id));
  return rows.map((row) => row.id);
}

describe("durable streams while MySQL is down", () => {
  it("subscriptions started or resumed during the outage get every event written after it, once and in order", async () => {
    const dispatcher: RecordingClient = await t.clients.login(t.server.url, "dispatcher@convoy.test", "dispatch123");
    const driver: RecordingClient = await t.clients.login(t.server.url, "driver1@convoy.test", "drive123");
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    await driver.api.chat.send.mutate({ offerId: offer.id, body: "before the outage", clientMessageId: randomUUID() });

    // Live before the outage: these only have to wait.
    const live = {
      dispatcherOffers: collectFrom(dispatcher.api.offers.events.subscribe, { lastEventId: "0" }),
      dispatcherChat: collectFrom(dispatcher.api.chat.events.subscribe, { offerId: offer.id, lastEventId: "0" }),
    };
    await waitFor(() => trackedIds(live.dispatcherChat.items).length === 1, "the live chat stream's backlog");

    // A session this instance has never seen (another instance signed the driver in), whose
    // first call must read it from MySQL.
    const sessionDb = createDb(t.databaseUrl, { connectionLimit: 1 });
    const tokens = createTokenService(TEST_JWT_SECRET);
    const unseen = await createSession(sessionDb.db, tokens, driver.userId, 3_600);
    await sessionDb.close();
    const { token: unseenToken } = tokens.sign({ id: driver.userId, role: "driver" }, unseen.sessionId);

    await t.mysql.stop();
    const unseenCall = await fetch(`${t.server.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${unseenToken}` } });
    const unseenBody = (await unseenCall.json()) as { error?: { data?: { code?: string } } };
    expect({ status: unseenCall.status, code: unseenBody.error?.data?.code }).toEqual({ status: 503, code: "SERVICE_UNAVAILABLE" });
    // The same on a position socket: closed with 1013 (the reporter reconnects later), the server unharmed.
    const positions = new WebSocket(`${t.server.url.replace(/^http/, "ws")}/positions`);
    await new Promise((resolve, reject) => positions.once("open", resolve).once("error", reject));
    const positionsClosed = new Promise<number>((resolve) => positions.once("close", (code) => resolve(code)));
    positions.send(JSON.stringify({ type: "auth", token: unseenToken }));
    expect(await positionsClosed).toBe(1013);
    expect(t.server.child.exitCode).toBeNull();
    // Resumed from 0 while MySQL is down: each needs MySQL to start (a backlog, an
    // authorization read), so each fails and must be made again by the client.
    const resumed: Record<string, Collected<unknown>> = {
      dispatcherOffers: collectFrom(dispatcher.api.offers.events.subscribe, { lastEventId: "0" }),
      dispatcherChat: collectFrom(dispatcher.api.chat.events.subscribe, { offerId: offer.id, lastEventId: "0" }),
      driverOffers: collectFrom(driver.api.offers.events.subscribe, { lastEventId: "0" }),
      driverChat: collectFrom(driver.api.chat.events.subscribe, { lastEventId: "0" }),
    };
    const retried = (client: RecordingClient, path: string) => client.resubscriptions.filter((retry) => retry.path === path).length;
    await waitFor(
      () =>
        retried(dispatcher, "offers.events") >= 1 &&
        retried(dispatcher, "chat.events") >= 1 &&
        retried(driver, "offers.events") >= 1 &&
        retried(driver, "chat.events") >= 1,
      "every subscription made during the outage to fail once",
    );
    const codes = new Set([...dispatcher.resubscriptions, ...driver.resubscriptions].map((retry) => retry.code));
    expect(codes).toEqual(new Set(["SERVICE_UNAVAILABLE"]));

    await t.mysql.start();
    await untilReady(t.server.url, "MySQL to be back");

    // Written after MySQL returned: chat messages and offers, interleaved.
    for (let i = 0; i < 15; i++) {
      await driver.api.chat.send.mutate({ offerId: offer.id, body: `after ${i}`, clientMessageId: randomUUID() });
      if (i % 3 === 0) await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    }
    // The markers: the last event of each stream. Everything before them is in the log now.
    await dispatcher.api.chat.send.mutate({ offerId: offer.id, driverId: driver.userId, body: "marker", clientMessageId: randomUUID() });
    await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));

    const db = createDb(t.databaseUrl, { connectionLimit: 1 });
    try {
      const forDispatcher = or(eq(events.dispatcherId, dispatcher.userId), eq(events.allDispatchers, true))!;
      const forDriver = eq(events.driverId, driver.userId);
      const expected = {
        dispatcherOffers: await logIds(db, "offers", forDispatcher),
        dispatcherChat: await logIds(db, "chat", forDispatcher, offer.id),
        driverOffers: await logIds(db, "offers", forDriver),
        driverChat: await logIds(db, "chat", forDriver),
      };
      const streams: [string, Collected<unknown>, number[]][] = [
        ["live dispatcherOffers", live.dispatcherOffers, expected.dispatcherOffers],
        ["live dispatcherChat", live.dispatcherChat, expected.dispatcherChat],
        ...Object.entries(resumed).map(([name, stream]): [string, Collected<unknown>, number[]] => [
          `resumed ${name}`,
          stream,
          expected[name as keyof typeof expected],
        ]),
      ];
      for (const [name, stream, ids] of streams) {
        const marker = ids.at(-1)!;
        await stream.until((items) => trackedIds(items).includes(marker), 30_000);
        // The marker is the newest event: nothing of this stream can come after it.
        expect({ name, ids: trackedIds(stream.items) }).toEqual({ name, ids });
        expect(stream.errors).toEqual([]);
      }
      // 16 chat messages and 6 offers after the outage, on top of what came before.
      expect(expected.dispatcherChat.length).toBe(17);
      expect(expected.driverOffers.length).toBeGreaterThanOrEqual(7);
    } finally {
      await db.close();
    }
  });
});
