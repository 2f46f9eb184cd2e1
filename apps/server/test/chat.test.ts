import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { count, eq, messages } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { throughMarkers } from "./support/barrier";
import { collectFrom } from "./support/subscriptions";
import { createExtraUsers, loginExtra, loadInput } from "./support/fixtures";

const t = useTestServer({ rateLimits: { chatPoints: 10_000, mutationPoints: 10_000 } });

let dispatcher: LoggedInClient;
let driverA: LoggedInClient;
let driverB: LoggedInClient;
let outsider: LoggedInClient;
let offerId: number;

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return (error as TRPCClientError<AppRouter>).data?.code;
    throw error;
  }
  return "OK";
}

async function newOffer(driverIds: number[]): Promise<number> {
  const offer = await dispatcher.api.offers.create.mutate(loadInput(driverIds));
  return offer.id;
}

const messageCount = async () => (await t.db.select({ n: count() }).from(messages))[0]!.n;

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  driverA = await t.as("driver", 1);
  driverB = await t.as("driver", 2);
  outsider = await t.as("driver", 3);
  offerId = await newOffer([driverA.userId, driverB.userId]);
});

describe("chat order and idempotency", () => {
  it("returns messages in send order, newest page first with a stable cursor", async () => {
    const id = await newOffer([driverA.userId]);
    const bodies = Array.from({ length: 7 }, (_, i) => `message ${i}`);
    for (const [i, body] of bodies.entries()) {
      const sender = i % 2 === 0 ? dispatcher : driverA;
      await sender.api.chat.send.mutate({ offerId: id, driverId: driverA.userId, body, clientMessageId: randomUUID() });
    }
    const first = await driverA.api.chat.history.query({ offerId: id, limit: 4 });
    expect(first.messages.map((m) => m.body)).toEqual(bodies.slice(3).reverse());
    expect(first.nextCursor).not.toBeNull();
    const second = await driverA.api.chat.history.query({ offerId: id, limit: 4, before: first.nextCursor! });
    expect(second.messages.map((m) => m.body)).toEqual(bodies.slice(0, 3).reverse());
    expect(second.nextCursor).toBeNull();
  });

  it("stores and delivers a retried clientMessageId once", async () => {
    const id = await newOffer([driverA.userId]);
    const stream = collectFrom(driverA.api.chat.events.subscribe, { offerId: id });
    await stream.started;
    const clientMessageId = randomUUID();
    const input = { offerId: id, driverId: driverA.userId, body: "only once", clientMessageId };
    const before = await messageCount();
    const [first, second] = await Promise.all([dispatcher.api.chat.send.mutate(input), dispatcher.api.chat.send.mutate(input)]);
    const third = await dispatcher.api.chat.send.mutate(input);
    expect(second.id).toBe(first.id);
    expect(third.id).toBe(first.id);
    expect(await messageCount()).toBe(before + 1);
    // A later message proves the stream has caught up past any duplicate.
    await dispatcher.api.chat.send.mutate({ ...input, body: "after", clientMessageId: randomUUID() });
    await stream.until((items) => items.some((item) => "data" in item && item.data.type === "message" && item.data.message.body === "after"));
    const delivered = stream.items.filter((item) => "data" in item && item.data.type === "message" && item.data.message.body === "only once");
    expect(delivered).toHaveLength(1);
    stream.stop();
  });

  it("sends the body as plain text, trimmed", async () => {
    const body = `  <img src=x onerror="window.__xss=1">  `;
    const message = await driverA.api.chat.send.mutate({ offerId, body, clientMessageId: randomUUID() });
    expect(message.body).toBe(`<img src=x onerror="window.__xss=1">`);
    expect(message.senderId).toBe(driverA.userId);
  });
});

describe("chat authorization", () => {
  it("gives driver B NOT_FOUND on driver A's thread for read, send, markRead and subscribe", async () => {
    const sent = await dispatcher.api.chat.send.mutate({ offerId, driverId: driverA.userId, body: "for A", clientMessageId: randomUUID() });
    const thread = { offerId, driverId: driverA.userId };
    expect(await codeOf(driverB.api.chat.history.query(thread))).toBe("NOT_FOUND");
    expect(await codeOf(driverB.api.chat.send.mutate({ ...thread, body: "hi", clientMessageId: randomUUID() }))).toBe("NOT_FOUND");
    expect(await codeOf(driverB.api.chat.markRead.mutate({ ...thread, messageId: sent.id }))).toBe("NOT_FOUND");
    expect(await codeOf(driverB.api.chat.typing.mutate({ ...thread, typing: true }))).toBe("NOT_FOUND");
    const stream = collectFrom(driverB.api.chat.events.subscribe, thread);
    await stream.until((_items) => stream.errors.length > 0);
    expect((stream.errors[0] as TRPCClientError<AppRouter>).data?.code).toBe("NOT_FOUND");
    // A driver who got no offer at all sees nothing either.
    expect(await codeOf(outsider.api.chat.history.query({ offerId }))).toBe("NOT_FOUND");
  });

  it("never delivers driver A's messages to driver B's all-threads stream", async () => {
    const streamB = collectFrom(driverB.api.chat.events.subscribe, {});
    await streamB.started;
    await dispatcher.api.chat.send.mutate({ offerId, driverId: driverA.userId, body: "secret for A", clientMessageId: randomUUID() });
    await dispatcher.api.chat.send.mutate({ offerId, driverId: driverB.userId, body: "hello B", clientMessageId: randomUUID() });
    await streamB.until((items) => items.some((item) => "data" in item && item.data.type === "message" && item.data.message.body === "hello B"));
    expect(JSON.stringify(streamB.items)).not.toContain("secret for A");
    streamB.stop();
  });

  it("forbids riders", async () => {
    const rider = await t.as("rider", 1);
    expect(await codeOf(rider.api.chat.history.query({ offerId, driverId: driverA.userId }))).toBe("FORBIDDEN");
    expect(await codeOf(rider.api.chat.send.mutate({ offerId, driverId: driverA.userId, body: "x", clientMessageId: randomUUID() }))).toBe(
      "FORBIDDEN",
    );
    expect(await codeOf(rider.api.chat.unreadCount.query())).toBe("FORBIDDEN");
  });

  it("gives another dispatcher NOT_FOUND", async () => {
    const [other] = await createExtraUsers(t.db, "dispatcher", 1);
    const otherDispatcher = await loginExtra(t, other!.email);
    const thread = { offerId, driverId: driverA.userId };
    expect(await codeOf(otherDispatcher.api.chat.threads.query({ offerId }))).toBe("NOT_FOUND");
    expect(await codeOf(otherDispatcher.api.chat.history.query(thread))).toBe("NOT_FOUND");
    expect(await codeOf(otherDispatcher.api.chat.send.mutate({ ...thread, body: "x", clientMessageId: randomUUID() }))).toBe("NOT_FOUND");
  });
});

describe("unread counts and read cursors", () => {
  it("counts for both sides and never moves a cursor back", async () => {
    const driver = await t.as("driver", 4);
    const id = await newOffer([driver.userId]);
    const baseDispatcher = (await dispatcher.api.chat.unreadCount.query()).unread;
    const baseDriver = (await driver.api.chat.unreadCount.query()).unread;

    const sent = [];
    for (let i = 0; i < 3; i++) sent.push(await driver.api.chat.send.mutate({ offerId: id, body: `d${i}`, clientMessageId: randomUUID() }));
    await dispatcher.api.chat.send.mutate({ offerId: id, driverId: driver.userId, body: "reply", clientMessageId: randomUUID() });

    expect((await dispatcher.api.chat.unreadCount.query()).unread).toBe(baseDispatcher + 3);
    expect((await driver.api.chat.unreadCount.query()).unread).toBe(baseDriver + 1);
    const threads = await dispatcher.api.chat.threads.query({ offerId: id });
    expect(threads).toHaveLength(1);
    expect(threads[0]).toMatchObject({ driverId: driver.userId, unread: 3, lastMessage: { body: "reply" } });

    expect(await dispatcher.api.chat.markRead.mutate({ offerId: id, driverId: driver.userId, messageId: sent[1]!.id })).toEqual({
      lastReadMessageId: sent[1]!.id,
      moved: true,
    });
    expect((await dispatcher.api.chat.unreadCount.query()).unread).toBe(baseDispatcher + 1);
    // Backwards is a no-op.
    expect(await dispatcher.api.chat.markRead.mutate({ offerId: id, driverId: driver.userId, messageId: sent[0]!.id })).toEqual({
      lastReadMessageId: sent[1]!.id,
      moved: false,
    });
    expect((await dispatcher.api.chat.unreadCount.query()).unread).toBe(baseDispatcher + 1);
    const history = await driver.api.chat.history.query({ offerId: id });
    expect(history.reads.dispatcher).toBe(sent[1]!.id);
  });
});

describe("typing", () => {
  it("reaches the other side and expires without a refresh", async () => {
    const stream = collectFrom(dispatcher.api.chat.events.subscribe, { offerId });
    await stream.started;
    const isTyping = (value: boolean) => (item: (typeof stream.items)[number]) =>
      !("data" in item) && item.userId === driverA.userId && item.typing === value;
    await driverA.api.chat.typing.mutate({ offerId, typing: true });
    await stream.until((items) => items.some(isTyping(true)));
    expect(stream.items.some(isTyping(false))).toBe(false);
    await stream.until((items) => items.some(isTyping(false)), 6_000);
    stream.stop();
  });
});

/**
 * A new thread between the dispatcher and driver `index`, with one message (`body`, from the
 * driver) that the dispatcher's stream saw before it stopped: `lastSeen` is where to resume.
 */
async function threadSeenOnce(index: number, body: string) {
  const driver = await t.as("driver", index);
  const id = await newOffer([driver.userId]);
  const first = collectFrom(dispatcher.api.chat.events.subscribe, { offerId: id });
  await first.started;
  const opening = await driver.api.chat.send.mutate({ offerId: id, body, clientMessageId: randomUUID() });
  await first.until((items) => items.some((item) => "id" in item));
  first.stop();
  const lastSeen = first.items.filter((item) => "id" in item).at(-1) as { id: string };
  return { driver, id, opening, lastSeen };
}

describe("resume", () => {
  it("delivers the 50 messages and reads missed while disconnected exactly once", async () => {
    const { driver, id, opening, lastSeen } = await threadSeenOnce(5, "opening");

    const expectedMessages: number[] = [];
    for (let i = 0; i < 35; i++) {
      const sender = i % 2 === 0 ? driver : dispatcher;
      const message = await sender.api.chat.send.mutate({ offerId: id, driverId: driver.userId, body: `missed ${i}`, clientMessageId: randomUUID() });
      expectedMessages.push(message.id);
    }
    let reads = 0;
    for (const messageId of expectedMessages.slice(0, 15)) {
      await dispatcher.api.chat.markRead.mutate({ offerId: id, driverId: driver.userId, messageId: Math.max(messageId, opening.id) });
      reads++;
    }

    const resumed = collectFrom(dispatcher.api.chat.events.subscribe, { offerId: id, lastEventId: lastSeen.id });
    const tracked = () => resumed.items.filter((item): item is Extract<typeof item, { id: string }> => "id" in item);
    await resumed.until(() => tracked().length >= 50);
    const [beforeMarker] = await throughMarkers(t, "chat", [
      { stream: resumed, audience: { offerId: id, dispatcherId: dispatcher.userId, driverId: driver.userId } },
    ]);
    const events = beforeMarker!.filter((item): item is Extract<typeof item, { id: string }> => "id" in item);
    expect(events).toHaveLength(50);
    const ids = events.map((event) => Number(event.id));
    expect(new Set(ids).size).toBe(50);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBeGreaterThan(Number(lastSeen.id));
    const delivered = events.flatMap((event) => (event.data.type === "message" ? [event.data.message.id] : []));
    expect(delivered).toEqual(expectedMessages);
    expect(events.filter((event) => event.data.type === "read")).toHaveLength(reads);
    resumed.stop();
  });
});

describe("hostile text through the event log", () => {
  it("comes back from MySQL exactly as sent, in history and in a resumed stream", async () => {
    const { driver, id, lastSeen } = await threadSeenOnce(6, "before");

    const bodies = [
      `it's "quoted", 'twice' and \\'escaped\\'`,
      "a \\ backslash, \\\\ two, and \\u0041 that is not an escape",
      "line\nbreak\ttab\rreturn \u0000 nul \u001a sub \b",
      "'; DROP TABLE events; -- \\",
      "emoji 🚚, ünïcödé and \u2028 a line separator",
    ];
    for (const body of bodies) await driver.api.chat.send.mutate({ offerId: id, body, clientMessageId: randomUUID() });

    const history = await dispatcher.api.chat.history.query({ offerId: id, driverId: driver.userId });
    expect(history.messages.map((message) => message.body).reverse()).toEqual(["before", ...bodies]);
    const resumed = collectFrom(dispatcher.api.chat.events.subscribe, { offerId: id, lastEventId: lastSeen.id });
    const bodiesIn = (items: typeof resumed.items) =>
      items.flatMap((item) => ("id" in item && item.data.type === "message" ? [item.data.message.body] : []));
    await resumed.until((items) => bodiesIn(items).length >= bodies.length);
    expect(bodiesIn(resumed.items)).toEqual(bodies);
    resumed.stop();
  });
});

describe("bad input", () => {
  it("rejects an empty body, 2001 characters and a non-UUID client id, storing nothing", async () => {
    const before = await messageCount();
    const thread = { offerId, driverId: driverA.userId };
    expect(await codeOf(dispatcher.api.chat.send.mutate({ ...thread, body: "   ", clientMessageId: randomUUID() }))).toBe("BAD_REQUEST");
    expect(await codeOf(dispatcher.api.chat.send.mutate({ ...thread, body: "x".repeat(2_001), clientMessageId: randomUUID() }))).toBe("BAD_REQUEST");
    expect(await codeOf(dispatcher.api.chat.send.mutate({ ...thread, body: "hello", clientMessageId: "not-a-uuid" }))).toBe("BAD_REQUEST");
    expect(await messageCount()).toBe(before);
    const rows = await t.db
      .select()
      .from(messages)
      .where(eq(messages.body, "x".repeat(2_001)));
    expect(rows).toHaveLength(0);
  });
});

describe("offer activity in the thread", () => {
  it("shows a counter as a rate proposal and the accept as a system message", async () => {
    const driver = await t.as("driver", 6);
    const id = await newOffer([driver.userId]);
    await driver.api.offers.respond.mutate({ offerId: id, action: "counter", counterRateCents: 51_000 });
    await dispatcher.api.offers.acceptCounter.mutate({ offerId: id, driverId: driver.userId, counterRateCents: 51_000 });
    const history = await driver.api.chat.history.query({ offerId: id });
    expect(history.messages.map((m) => [m.kind, m.body]).reverse()).toEqual([
      ["rate_proposal", "Countered at $510.00"],
      ["system", "Accepted at $510.00"],
    ]);
    expect(history.messages.every((m) => m.senderId === null)).toBe(true);
  });
});
