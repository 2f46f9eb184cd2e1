import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConnection, type Connection, type RowDataPacket } from "mysql2/promise";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { loadInput, typesOf, type OfferEventItem } from "./support/offerFixtures";
import { collect, collectFrom, type Collected } from "./support/subscriptions";
import { eventually } from "./support/tracking";

// A subscription's `started` promises that what happens from then on reaches it. These tests
// hold a subscription's authorization read on a table lock, so that the window between its
// procedure being called and its stream listening is as wide as the test wants.

const t = useTestServer({ rateLimits: { chatPoints: 10_000, mutationPoints: 10_000 } });

let dispatcher: LoggedInClient;
let driver: LoggedInClient;
/** The dispatcher's client with every call on its WebSocket, so a call's answer comes after any frame sent before it. */
let dispatcherSocket: ConvoyClient;

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  driver = await t.as("driver", 1);
  dispatcherSocket = createConvoyClient({ url: t.url, token: dispatcher.token, WebSocket, socketFor: "all" });
});

afterAll(async () => {
  await dispatcherSocket.close();
});

async function newOffer(): Promise<number> {
  return (await dispatcher.api.offers.create.mutate(loadInput([driver.userId]))).id;
}

/** Statements of this test's database waiting for `table`'s lock, other than `lock`'s own. */
async function waitingOn(lock: Connection, table: string): Promise<string[]> {
  const [rows] = await lock.query<RowDataPacket[]>(
    "SELECT info FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID() AND state LIKE '%metadata lock%'",
  );
  return rows.map((row) => String(row.info)).filter((info) => info.includes(`\`${table}\``));
}

/**
 * Runs `start` while `table` is write-locked, waits until a read of it is seen waiting, runs
 * `whileWaiting`, then releases the lock and waits until no read of it is waiting any more.
 */
async function holdingReadsOf<T>(table: string, start: () => T, whileWaiting: (started: T) => Promise<void>): Promise<T> {
  const lock = await createConnection({ uri: t.databaseUrl });
  try {
    await lock.query(`LOCK TABLES \`${table}\` WRITE`);
    const started = start();
    await eventually(async () => ((await waitingOn(lock, table)).length > 0 ? true : undefined), 10_000, `a read of ${table} waiting`);
    await whileWaiting(started);
    await lock.query("UNLOCK TABLES");
    await eventually(async () => ((await waitingOn(lock, table)).length === 0 ? true : undefined), 10_000, `the reads of ${table} done`);
    return started;
  } finally {
    await lock.end();
  }
}

/**
 * Starts `subscribe` while `table` is write-locked, so its first read of it waits. Once that
 * read is seen waiting, a call on the subscriber's own socket proves that any `started` the
 * server sent before the read has arrived (`startedBeforeRead`). Resolves with the stream
 * once the lock is released, `started` has arrived and `onStarted` is done.
 */
async function startBehindLock<T>(
  table: string,
  subscribe: () => Collected<T>,
  onStarted: () => Promise<unknown>,
): Promise<{ stream: Collected<T>; startedBeforeRead: boolean }> {
  let started = false;
  let startedBeforeRead = false;
  const { stream, acted } = await holdingReadsOf(
    table,
    () => {
      const stream = subscribe();
      const acted = stream.started.then(() => {
        started = true;
        return onStarted();
      });
      return { stream, acted };
    },
    async () => {
      await dispatcherSocket.api.auth.me.query();
      startedBeforeRead = started;
    },
  );
  await acted;
  return { stream, startedBeforeRead };
}

describe("a subscription listens before it reports started", () => {
  it("chat.events: a typing notice and a message sent on started reach the subscriber", async () => {
    const offerId = await newOffer();
    // The driver's side of the thread is resolved once, so its calls below do not read `offers`.
    await driver.api.chat.typing.mutate({ offerId, typing: false });
    const body = `hello ${randomUUID()}`;
    const { stream, startedBeforeRead } = await startBehindLock(
      "offers",
      () => collectFrom(dispatcherSocket.api.chat.events.subscribe, { offerId }),
      async () => {
        await driver.api.chat.typing.mutate({ offerId, typing: true });
        await driver.api.chat.send.mutate({ offerId, body, clientMessageId: randomUUID() });
      },
    );
    expect(startedBeforeRead).toBe(false);
    await stream.until((items) => items.some((item) => "data" in item && item.data.type === "message" && item.data.message.body === body));
    expect(stream.items.some((item) => !("data" in item) && item.userId === driver.userId && item.typing)).toBe(true);
    stream.stop();
  });

  it("offers.events for one offer: an answer given on started reaches the dispatcher", async () => {
    const offerId = await newOffer();
    const { stream, startedBeforeRead } = await startBehindLock(
      "offers",
      () => collect<OfferEventItem>((handlers) => dispatcherSocket.api.offers.events.subscribe({ offerId }, handlers)),
      () => driver.api.offers.respond.mutate({ offerId, action: "reject" }),
    );
    expect(startedBeforeRead).toBe(false);
    await stream.until((items) => typesOf(items, offerId).includes("offer.rejected"));
    stream.stop();
  });

  it("a subscription stopped while it is still opening leaves nothing listening", async () => {
    const offerId = await newOffer();
    const { pump, typing } = t.server.services;
    const before = { subscribers: pump.stats.subscribers, typing: typing.listening };
    await holdingReadsOf(
      "offers",
      () => collectFrom(dispatcherSocket.api.chat.events.subscribe, { offerId }),
      async (stream) => {
        stream.stop();
        // The stop is read before this call's answer is sent: the procedure sees its signal aborted.
        await dispatcherSocket.api.auth.me.query();
      },
    );
    // The stopped procedure has its read's answer by now and opens both halves straight after
    // it; a subscription that needs no read, started after, is done after it.
    const marker = collectFrom(dispatcherSocket.api.chat.events.subscribe, {});
    await marker.started;
    expect({ subscribers: pump.stats.subscribers, typing: typing.listening }).toEqual({
      subscribers: before.subscribers + 1,
      typing: before.typing + 1,
    });
    marker.stop();
    await eventually(async () => (pump.stats.subscribers === before.subscribers && typing.listening === before.typing ? true : undefined));
  });
});
