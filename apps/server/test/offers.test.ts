import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { and, eq, offerRecipients, offers, sql, trips } from "@convoy/db";
import { MAX_OFFER_RECIPIENTS } from "@convoy/api/schemas";
import { sweepExpiredOffers } from "@convoy/api/server";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { addUsers, failure, loadInput, offerEvents, offerTableCounts, typesOf, type OfferEventItem } from "./support/offerFixtures";
import type { Collected } from "./support/subscriptions";
import { throughMarkers, type MarkerAudience } from "./support/barrier";

const t = useTestServer();

let dispatcher: LoggedInClient;
let otherDispatcher: LoggedInClient;
let d1: LoggedInClient;
let d2: LoggedInClient;
let d3: LoggedInClient;
let outsider: LoggedInClient;
let rider: LoggedInClient;

beforeAll(async () => {
  [dispatcher, d1, d2, d3, outsider, rider] = await Promise.all([
    t.as("dispatcher"),
    t.as("driver", 1),
    t.as("driver", 2),
    t.as("driver", 3),
    t.as("driver", 4),
    t.as("rider", 1),
  ]);
  [otherDispatcher] = (await addUsers(t, "dispatcher", 1)) as [LoggedInClient];
});

/**
 * Waits until `stream` holds `n` events of `offerId`, then for a marker on the same offer
 * for the stream's viewer: the events of the offer before the marker are all there are.
 */
async function settle(stream: Collected<OfferEventItem>, offerId: number, n: number, viewer: MarkerAudience): Promise<string[]> {
  await stream.until((items) => typesOf(items, offerId).length >= n);
  const [before] = await throughMarkers(t, "offers", [{ stream, audience: { offerId, ...viewer } }]);
  return typesOf(before!, offerId);
}

function dataOf(stream: Collected<OfferEventItem>, type: string) {
  return stream.items.map((item) => item.data).filter((event) => event.type === type);
}

describe("offers: happy path", () => {
  it("create → view → accept makes one trip and exactly the expected events for everyone", async () => {
    const created = await dispatcher.api.offers.create.mutate(loadInput([d1.userId, d2.userId, d3.userId]));
    expect(created).toMatchObject({ kind: "load", status: "open", rateCents: 45_000, acceptedDriverId: null, tripId: null });
    expect(created.distanceKm).toBeGreaterThan(20);
    expect(created.distanceKm).toBeLessThan(30);
    expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBeGreaterThan(3_590_000);
    expect(created.recipients.map((r) => [r.driverId, r.status])).toEqual([
      [d1.userId, "sent"],
      [d2.userId, "sent"],
      [d3.userId, "sent"],
    ]);

    const offerId = created.id;
    const streams = {
      dispatcher: offerEvents(dispatcher, { offerId, lastEventId: "0" }),
      d1: offerEvents(d1, { offerId, lastEventId: "0" }),
      d2: offerEvents(d2, { offerId, lastEventId: "0" }),
      d3: offerEvents(d3, { offerId, lastEventId: "0" }),
    };

    const viewed = await d1.api.offers.markViewed.mutate({ offerId });
    expect(viewed.recipients).toEqual([expect.objectContaining({ driverId: d1.userId, status: "viewed" })]);
    const accepted = await d1.api.offers.respond.mutate({ offerId, action: "accept" });
    expect(accepted).toMatchObject({ status: "accepted", acceptedDriverId: d1.userId, agreedRateCents: 45_000 });
    expect(accepted.tripId).toEqual(expect.any(Number));

    expect(await settle(streams.dispatcher, offerId, 5, { dispatcherId: dispatcher.userId })).toEqual([
      "offer.created",
      "offer.viewed",
      "offer.accepted",
      "offer.lost",
      "offer.lost",
    ]);
    expect(await settle(streams.d1, offerId, 3, { driverId: d1.userId })).toEqual(["offer.received", "offer.viewed", "offer.won"]);
    expect(await settle(streams.d2, offerId, 2, { driverId: d2.userId })).toEqual(["offer.received", "offer.lost"]);
    expect(await settle(streams.d3, offerId, 2, { driverId: d3.userId })).toEqual(["offer.received", "offer.lost"]);
    expect(dataOf(streams.dispatcher, "offer.lost").map((event) => "driverId" in event && event.driverId)).toEqual([d2.userId, d3.userId]);
    expect(dataOf(streams.dispatcher, "offer.accepted")[0]).toMatchObject({
      driverId: d1.userId,
      agreedRateCents: 45_000,
      tripId: accepted.tripId,
      via: "driver",
    });
    expect(dataOf(streams.d1, "offer.won")[0]).toMatchObject({ agreedRateCents: 45_000, tripId: accepted.tripId });
    // Stream ids are the event ids, ascending.
    const ids = streams.dispatcher.items.map((item) => Number(item.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(streams.dispatcher.items.every((item) => item.data.id === Number(item.id))).toBe(true);

    const tripRows = await t.db.select().from(trips).where(eq(trips.offerId, offerId));
    expect(tripRows).toHaveLength(1);
    expect(tripRows[0]).toMatchObject({
      id: accepted.tripId,
      kind: "load",
      riderId: null,
      driverId: d1.userId,
      status: "assigned",
      fareCents: 45_000,
      pickupAddress: "100 N State St, Chicago",
    });
    expect(tripRows[0]!.assignedAt).toBeInstanceOf(Date);

    const seen = await dispatcher.api.offers.byId.query({ offerId });
    expect(seen.recipients.map((r) => [r.driverId, r.status])).toEqual([
      [d1.userId, "accepted"],
      [d2.userId, "lost"],
      [d3.userId, "lost"],
    ]);
    const loserView = await d2.api.offers.byId.query({ offerId });
    expect(loserView).toMatchObject({ status: "accepted", acceptedDriverId: null, agreedRateCents: null, tripId: null });
    for (const stream of Object.values(streams)) stream.stop();
  });

  it("lists a dispatcher's offers with recipient counts and a driver's with their own row, paged", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await dispatcher.api.offers.create.mutate(loadInput([d2.userId, d3.userId]))).id);
    await d2.api.offers.respond.mutate({ offerId: ids[2]!, action: "counter", counterRateCents: 47_000 });

    const first = await dispatcher.api.offers.list.query({ status: ["open"], limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    expect(first.items[0]!.recipientCounts).toMatchObject({ total: 2, countered: 1, sent: 1 });
    expect(first.items[0]!.me).toBeNull();
    const second = await dispatcher.api.offers.list.query({ status: ["open"], limit: 2, cursor: first.nextCursor });
    expect(second.items[0]!.id).toBe(ids[0]);

    const forDriver = await d3.api.offers.list.query({ limit: 100 });
    const item = forDriver.items.find((candidate) => candidate.id === ids[2])!;
    expect(item.me).toMatchObject({ driverId: d3.userId, status: "sent", counterRateCents: null });
    expect(item.recipientCounts).toBeNull();
    expect(JSON.stringify(forDriver)).not.toContain("47000");
    expect(forDriver.items.every((candidate) => candidate.me?.driverId === d3.userId)).toBe(true);
    expect((await outsider.api.offers.list.query({})).items.map((i) => i.id)).not.toContain(ids[2]);
  });
});

describe("offers: counters", () => {
  it("a revised counter replaces the earlier one and acceptCounter makes it the agreed rate", async () => {
    const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput([d1.userId, d2.userId]));
    const streams = {
      dispatcher: offerEvents(dispatcher, { offerId, lastEventId: "0" }),
      d1: offerEvents(d1, { offerId, lastEventId: "0" }),
      d2: offerEvents(d2, { offerId, lastEventId: "0" }),
    };

    await d1.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 50_000 });
    const revised = await d1.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 52_000 });
    expect(revised.recipients).toEqual([expect.objectContaining({ status: "countered", counterRateCents: 52_000 })]);
    await d2.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 48_000 });

    const before = await dispatcher.api.offers.byId.query({ offerId });
    expect(before.recipients.map((r) => [r.driverId, r.status, r.counterRateCents])).toEqual([
      [d1.userId, "countered", 52_000],
      [d2.userId, "countered", 48_000],
    ]);

    const stale = await failure(dispatcher.api.offers.acceptCounter.mutate({ offerId, driverId: d1.userId, counterRateCents: 50_000 }));
    expect(stale.code).toBe("CONFLICT");
    expect(stale.message).toContain("$520.00");

    const accepted = await dispatcher.api.offers.acceptCounter.mutate({ offerId, driverId: d1.userId, counterRateCents: 52_000 });
    expect(accepted).toMatchObject({ status: "accepted", acceptedDriverId: d1.userId, agreedRateCents: 52_000, rateCents: 45_000 });
    const [trip] = await t.db.select().from(trips).where(eq(trips.offerId, offerId));
    expect(trip).toMatchObject({ driverId: d1.userId, fareCents: 52_000, status: "assigned" });

    expect(await settle(streams.dispatcher, offerId, 6, { dispatcherId: dispatcher.userId })).toEqual([
      "offer.created",
      "offer.countered",
      "offer.countered",
      "offer.countered",
      "offer.accepted",
      "offer.lost",
    ]);
    expect(dataOf(streams.dispatcher, "offer.accepted")[0]).toMatchObject({ via: "counter", agreedRateCents: 52_000 });
    expect(await settle(streams.d1, offerId, 4, { driverId: d1.userId })).toEqual([
      "offer.received",
      "offer.countered",
      "offer.countered",
      "offer.won",
    ]);
    expect(await settle(streams.d2, offerId, 3, { driverId: d2.userId })).toEqual(["offer.received", "offer.countered", "offer.lost"]);
    // Each driver's stream carries only their own counter.
    expect(JSON.stringify(streams.d1.items)).not.toContain("48000");
    expect(JSON.stringify(streams.d2.items)).not.toMatch(/5[02]000/);
    for (const stream of Object.values(streams)) stream.stop();
  });

  it("refuses to accept a counter that was never made", async () => {
    const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput([d1.userId]));
    const refused = await failure(dispatcher.api.offers.acceptCounter.mutate({ offerId, driverId: d1.userId, counterRateCents: 40_000 }));
    expect(refused.code).toBe("CONFLICT");
    expect(refused.message).toMatch(/no counter offer/);
    const notSent = await failure(dispatcher.api.offers.acceptCounter.mutate({ offerId, driverId: d2.userId, counterRateCents: 40_000 }));
    expect(notSent.code).toBe("BAD_REQUEST");
    const [row] = await t.db.select().from(offers).where(eq(offers.id, offerId));
    expect(row).toMatchObject({ status: "open", acceptedDriverId: null, agreedRateCents: null });
  });
});

describe("offers: recipient state machine", () => {
  it("refuses moves after a final answer, saying why", async () => {
    const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput([d1.userId, d2.userId]));
    await d1.api.offers.respond.mutate({ offerId, action: "reject" });

    const acceptAfterReject = await failure(d1.api.offers.respond.mutate({ offerId, action: "accept" }));
    expect(acceptAfterReject).toMatchObject({ code: "CONFLICT", message: "You cannot accept this offer: you already rejected it" });
    const counterAfterReject = await failure(d1.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 50_000 }));
    expect(counterAfterReject).toMatchObject({ code: "CONFLICT", message: "You cannot counter this offer: you already rejected it" });

    // Viewing is idempotent: twice is one change and one event.
    await d2.api.offers.markViewed.mutate({ offerId });
    const [firstView] = await t.db
      .select()
      .from(offerRecipients)
      .where(and(eq(offerRecipients.offerId, offerId), eq(offerRecipients.driverId, d2.userId)));
    await d2.api.offers.markViewed.mutate({ offerId });
    const [secondView] = await t.db
      .select()
      .from(offerRecipients)
      .where(and(eq(offerRecipients.offerId, offerId), eq(offerRecipients.driverId, d2.userId)));
    expect(secondView).toEqual(firstView);
    expect(firstView!.status).toBe("viewed");

    await d2.api.offers.respond.mutate({ offerId, action: "accept" });
    const secondAccept = await failure(d2.api.offers.respond.mutate({ offerId, action: "accept" }));
    expect(secondAccept).toMatchObject({ code: "CONFLICT", message: "You already won this offer" });
    const cancelAccepted = await failure(dispatcher.api.offers.cancel.mutate({ offerId }));
    expect(cancelAccepted.code).toBe("CONFLICT");
    expect(cancelAccepted.message).toMatch(/already accepted/);

    const stream = offerEvents(dispatcher, { offerId, lastEventId: "0" });
    expect(await settle(stream, offerId, 4, { dispatcherId: dispatcher.userId })).toEqual([
      "offer.created",
      "offer.rejected",
      "offer.viewed",
      "offer.accepted",
    ]);
    stream.stop();
    // d1 rejected, so d1 keeps "rejected" rather than becoming "lost".
    const rows = await t.db.select().from(offerRecipients).where(eq(offerRecipients.offerId, offerId)).orderBy(offerRecipients.id);
    expect(rows.map((r) => r.status)).toEqual(["rejected", "accepted"]);
  });

  it("cancel withdraws drivers still in play, and nobody can answer afterwards", async () => {
    const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput([d1.userId, d2.userId, d3.userId]));
    await d3.api.offers.respond.mutate({ offerId, action: "reject" });
    await d2.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 49_000 });
    const cancelled = await dispatcher.api.offers.cancel.mutate({ offerId });
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.recipients.map((r) => r.status)).toEqual(["withdrawn", "withdrawn", "rejected"]);

    const counterOnCancelled = await failure(d2.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 48_000 }));
    expect(counterOnCancelled).toMatchObject({ code: "CONFLICT", message: "The dispatcher cancelled this offer" });
    const acceptOnCancelled = await failure(d1.api.offers.respond.mutate({ offerId, action: "accept" }));
    expect(acceptOnCancelled).toMatchObject({ code: "CONFLICT", message: "The dispatcher cancelled this offer" });
    expect(await t.db.select().from(trips).where(eq(trips.offerId, offerId))).toHaveLength(0);

    const streams = {
      dispatcher: offerEvents(dispatcher, { offerId, lastEventId: "0" }),
      d1: offerEvents(d1, { offerId, lastEventId: "0" }),
      d3: offerEvents(d3, { offerId, lastEventId: "0" }),
    };
    expect(await settle(streams.dispatcher, offerId, 4, { dispatcherId: dispatcher.userId })).toEqual([
      "offer.created",
      "offer.rejected",
      "offer.countered",
      "offer.cancelled",
    ]);
    expect(dataOf(streams.dispatcher, "offer.cancelled")[0]).toMatchObject({ withdrawnDriverIds: [d1.userId, d2.userId] });
    expect(await settle(streams.d1, offerId, 2, { driverId: d1.userId })).toEqual(["offer.received", "offer.withdrawn"]);
    expect(await settle(streams.d3, offerId, 2, { driverId: d3.userId })).toEqual(["offer.received", "offer.rejected"]);
    for (const stream of Object.values(streams)) stream.stop();
  });
});

describe("offers: expiry", () => {
  it("accepting after the deadline fails clearly, and the sweeper emits expired once", async () => {
    const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput([d1.userId, d2.userId, d3.userId], { expiresInSeconds: 60 }));
    await d2.api.offers.respond.mutate({ offerId, action: "reject" });
    await d3.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 46_000 });
    const streams = {
      dispatcher: offerEvents(dispatcher, { offerId, lastEventId: "0" }),
      d1: offerEvents(d1, { offerId, lastEventId: "0" }),
      d2: offerEvents(d2, { offerId, lastEventId: "0" }),
    };
    await t.db
      .update(offers)
      .set({ expiresAt: sql`UTC_TIMESTAMP(3) - INTERVAL 2 SECOND` })
      .where(eq(offers.id, offerId));
    const [row] = await t.db.select({ expiresAt: offers.expiresAt }).from(offers).where(eq(offers.id, offerId));

    const late = await failure(d1.api.offers.respond.mutate({ offerId, action: "accept" }));
    expect(late).toMatchObject({ code: "CONFLICT", message: `This offer expired at ${row!.expiresAt.toISOString()}` });
    const lateCounter = await failure(dispatcher.api.offers.acceptCounter.mutate({ offerId, driverId: d3.userId, counterRateCents: 46_000 }));
    expect(lateCounter).toMatchObject({ code: "CONFLICT", message: `This offer expired at ${row!.expiresAt.toISOString()}` });

    // Several sweepers at once (this process's own timer included) expire it exactly once.
    const swept = await Promise.all(Array.from({ length: 4 }, () => sweepExpiredOffers(t.server.services)));
    expect(swept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
    expect(await settle(streams.dispatcher, offerId, 4, { dispatcherId: dispatcher.userId })).toEqual([
      "offer.created",
      "offer.rejected",
      "offer.countered",
      "offer.expired",
    ]);
    expect(dataOf(streams.dispatcher, "offer.expired")[0]).toMatchObject({ expiresAt: row!.expiresAt.toISOString() });
    expect(await settle(streams.d1, offerId, 2, { driverId: d1.userId })).toEqual(["offer.received", "offer.expired"]);
    // d2 had already rejected: their answer was final, so no closing event.
    expect(await settle(streams.d2, offerId, 2, { driverId: d2.userId })).toEqual(["offer.received", "offer.rejected"]);

    const [after] = await t.db.select().from(offers).where(eq(offers.id, offerId));
    expect(after).toMatchObject({ status: "expired", acceptedDriverId: null });
    const recipients = await t.db.select().from(offerRecipients).where(eq(offerRecipients.offerId, offerId)).orderBy(offerRecipients.id);
    expect(recipients.map((r) => r.status)).toEqual(["sent", "rejected", "countered"]);
    expect(await t.db.select().from(trips).where(eq(trips.offerId, offerId))).toHaveLength(0);
    for (const stream of Object.values(streams)) stream.stop();
  });
});

describe("offers: authorization", () => {
  let offerId: number;

  beforeAll(async () => {
    offerId = (await dispatcher.api.offers.create.mutate(loadInput([d1.userId, d2.userId]))).id;
    await d1.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 61_000 });
    await d2.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 62_000 });
  });

  it("a driver the offer was not sent to gets NOT_FOUND everywhere", async () => {
    expect((await failure(outsider.api.offers.byId.query({ offerId }))).code).toBe("NOT_FOUND");
    expect((await failure(outsider.api.offers.respond.mutate({ offerId, action: "accept" }))).code).toBe("NOT_FOUND");
    expect((await failure(outsider.api.offers.respond.mutate({ offerId, action: "reject" }))).code).toBe("NOT_FOUND");
    expect((await failure(outsider.api.offers.markViewed.mutate({ offerId }))).code).toBe("NOT_FOUND");
    const stream = offerEvents(outsider, { offerId, lastEventId: "0" });
    await stream.until((_items) => stream.errors.length > 0);
    expect(JSON.stringify(stream.errors[0])).toContain("NOT_FOUND");
    expect(stream.items).toHaveLength(0);
    stream.stop();
    const [row] = await t.db.select().from(offers).where(eq(offers.id, offerId));
    expect(row!.status).toBe("open");
  });

  it("a driver sees only their own recipient row and counter, in byId, list and events", async () => {
    const mine = await d1.api.offers.byId.query({ offerId });
    expect(mine.recipients).toEqual([expect.objectContaining({ driverId: d1.userId, counterRateCents: 61_000 })]);
    expect(JSON.stringify(mine)).not.toContain("62000");
    const listed = await d1.api.offers.list.query({ limit: 100 });
    expect(JSON.stringify(listed)).not.toContain("62000");

    const stream = offerEvents(d1, { lastEventId: "0" });
    await stream.until((items) => typesOf(items, offerId).length >= 2);
    const [before] = await throughMarkers(t, "offers", [{ stream, audience: { driverId: d1.userId } }]);
    expect(typesOf(before!, offerId)).toEqual(["offer.received", "offer.countered"]);
    for (const { data } of before!) {
      if ("driverId" in data) expect(data.driverId).toBe(d1.userId);
      expect(data.type).not.toBe("offer.created");
    }
    expect(JSON.stringify(stream.items)).not.toContain("62000");
    stream.stop();
  });

  it("riders are FORBIDDEN from every offers procedure", async () => {
    const calls: (() => Promise<unknown>)[] = [
      () => rider.api.offers.create.mutate(loadInput([d1.userId])),
      () => rider.api.offers.list.query({}),
      () => rider.api.offers.byId.query({ offerId }),
      () => rider.api.offers.markViewed.mutate({ offerId }),
      () => rider.api.offers.respond.mutate({ offerId, action: "accept" }),
      () => rider.api.offers.acceptCounter.mutate({ offerId, driverId: d1.userId, counterRateCents: 61_000 }),
      () => rider.api.offers.cancel.mutate({ offerId }),
    ];
    for (const call of calls) expect((await failure(call())).code).toBe("FORBIDDEN");
    const stream = offerEvents(rider, {});
    await stream.until(() => stream.errors.length > 0);
    expect(JSON.stringify(stream.errors[0])).toContain("FORBIDDEN");
    stream.stop();
  });

  it("drivers cannot do a dispatcher's part, nor a dispatcher a driver's", async () => {
    expect((await failure(d1.api.offers.create.mutate(loadInput([d2.userId])))).code).toBe("FORBIDDEN");
    expect((await failure(d1.api.offers.cancel.mutate({ offerId }))).code).toBe("FORBIDDEN");
    expect((await failure(d1.api.offers.acceptCounter.mutate({ offerId, driverId: d1.userId, counterRateCents: 61_000 }))).code).toBe("FORBIDDEN");
    expect((await failure(dispatcher.api.offers.respond.mutate({ offerId, action: "accept" }))).code).toBe("FORBIDDEN");
  });

  it("another dispatcher can neither see nor act on the offer", async () => {
    expect((await failure(otherDispatcher.api.offers.byId.query({ offerId }))).code).toBe("NOT_FOUND");
    expect((await failure(otherDispatcher.api.offers.cancel.mutate({ offerId }))).code).toBe("NOT_FOUND");
    expect((await failure(otherDispatcher.api.offers.acceptCounter.mutate({ offerId, driverId: d1.userId, counterRateCents: 61_000 }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await otherDispatcher.api.offers.list.query({ limit: 100 })).items).toEqual([]);
    const scoped = offerEvents(otherDispatcher, { offerId, lastEventId: "0" });
    await scoped.until(() => scoped.errors.length > 0);
    expect(JSON.stringify(scoped.errors[0])).toContain("NOT_FOUND");
    scoped.stop();
    const all = offerEvents(otherDispatcher, { lastEventId: "0" });
    await all.started;
    expect(await throughMarkers(t, "offers", [{ stream: all, audience: { dispatcherId: otherDispatcher.userId } }])).toEqual([[]]);
    all.stop();
    const [row] = await t.db.select().from(offers).where(eq(offers.id, offerId));
    expect(row).toMatchObject({ status: "open", acceptedDriverId: null });
  });
});

describe("offers.create with an idempotencyKey", () => {
  it("makes one offer however often and however concurrently it is sent, and sends it to drivers once", async () => {
    const idempotencyKey = randomUUID();
    const input = loadInput([d3.userId], { idempotencyKey, notes: "sent twice" });
    const received = offerEvents(d3);
    await received.started;

    const first = await dispatcher.api.offers.create.mutate(input);
    const [again, raced] = await Promise.all([dispatcher.api.offers.create.mutate(input), dispatcher.api.offers.create.mutate(input)]);
    expect([again.id, raced.id]).toEqual([first.id, first.id]);
    expect(again).toMatchObject({ rateCents: first.rateCents, recipients: [{ driverId: d3.userId }] });

    const rows = await t.db.select({ id: offers.id }).from(offers).where(eq(offers.idempotencyKey, idempotencyKey));
    expect(rows).toEqual([{ id: first.id }]);
    await received.until((items) => typesOf(items, first.id).includes("offer.received"));
    const [before] = await throughMarkers(t, "offers", [{ stream: received, audience: { driverId: d3.userId } }]);
    expect(typesOf(before!, first.id)).toEqual(["offer.received"]);
    received.stop();
  });

  it("refuses the key on a different offer, and keeps keys apart per dispatcher", async () => {
    const idempotencyKey = randomUUID();
    const first = await dispatcher.api.offers.create.mutate(loadInput([d3.userId], { idempotencyKey }));
    const reused = await failure(dispatcher.api.offers.create.mutate(loadInput([d3.userId], { idempotencyKey, rateCents: 99_900 })));
    expect(reused).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/already used for a different offer/) });
    // Any field the dispatcher filled in counts, not only the rate.
    const otherDropoff = { address: "Midway Cargo, Chicago", lat: 41.7868, lng: -87.7522 };
    for (const change of [{ dropoff: otherDropoff }, { weightKg: 801 }, { notes: "another load" }, { driverIds: [d3.userId, d2.userId] }]) {
      const changed = await failure(dispatcher.api.offers.create.mutate({ ...loadInput([d3.userId], { idempotencyKey }), ...change }));
      expect(changed).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/already used for a different offer/) });
    }

    const theirs = await otherDispatcher.api.offers.create.mutate(loadInput([d3.userId], { idempotencyKey }));
    expect(theirs.id).not.toBe(first.id);
    const bad = await failure(dispatcher.api.offers.create.mutate(loadInput([d3.userId], { idempotencyKey: "not-a-uuid" })));
    expect(bad).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/idempotencyKey must be a UUID/) });
  });
});

describe("offers: bad input", () => {
  it("answers BAD_REQUEST and writes nothing", async () => {
    const before = await offerTableCounts(t);
    const tooMany = Array.from({ length: MAX_OFFER_RECIPIENTS + 1 }, (_, i) => i + 1);
    const cases: [string, Parameters<typeof dispatcher.api.offers.create.mutate>[0], RegExp][] = [
      ["negative rate", loadInput([d1.userId], { rateCents: -100 }), /rateCents: rate must be positive/],
      ["latitude 91", loadInput([d1.userId], { pickup: { address: "North of north", lat: 91, lng: 0 } }), /pickup\.lat: latitude must be ≤ 90/],
      ["no drivers", loadInput([]), /driverIds: choose at least one driver/],
      [`${MAX_OFFER_RECIPIENTS + 1} drivers`, loadInput(tooMany), /at most 1000 drivers/],
      ["repeated driver", loadInput([d1.userId, d1.userId]), /must not repeat/],
      ["expiry 29 s", loadInput([d1.userId], { expiresInSeconds: 29 }), /at least 30 seconds/],
      ["expiry 86401 s", loadInput([d1.userId], { expiresInSeconds: 86_401 }), /at most 86400 seconds/],
      ["unknown driver", loadInput([d1.userId, 987_654]), /Unknown driver id: 987654/],
      ["a rider is not a driver", loadInput([d1.userId, rider.userId]), new RegExp(`Unknown driver id: ${rider.userId}`)],
    ];
    for (const [name, input, message] of cases) {
      const refused = await failure(dispatcher.api.offers.create.mutate(input));
      expect({ name, code: refused.code }).toEqual({ name, code: "BAD_REQUEST" });
      expect(refused.message, name).toMatch(message);
    }
    const badCounter = await failure(d1.api.offers.respond.mutate({ offerId: 1, action: "counter", counterRateCents: 0 }));
    expect(badCounter.code).toBe("BAD_REQUEST");
    expect(await offerTableCounts(t)).toEqual(before);
  });
});

describe("offers: ride offers", () => {
  // d1 and d2 won loads above and are busy; a driver on a trip cannot take a ride.
  let free1: LoggedInClient;
  let free2: LoggedInClient;
  beforeAll(async () => {
    [free1, free2] = (await addUsers(t, "driver", 2)) as [LoggedInClient, LoggedInClient];
  });

  /** A rider's requested trip and the ride offer for it, as the trips domain would store them. */
  async function rideOffer(driverIds: number[]) {
    const place = {
      pickupAddress: "1 E Wacker Dr",
      pickupLat: 41.8868,
      pickupLng: -87.6268,
      dropoffAddress: "Union Station",
      dropoffLat: 41.8789,
      dropoffLng: -87.6403,
    };
    const [trip] = await t.db
      .insert(trips)
      .values({ kind: "ride", riderId: rider.userId, status: "requested", requestedAt: new Date(), ...place })
      .$returningId();
    const [offer] = await t.db
      .insert(offers)
      .values({
        createdBy: dispatcher.userId,
        kind: "ride",
        tripId: trip!.id,
        distanceKm: 1.4,
        rateCents: 1_800,
        expiresAt: sql`UTC_TIMESTAMP(3) + INTERVAL 60 SECOND`,
        ...place,
      })
      .$returningId();
    await t.db.insert(offerRecipients).values(driverIds.map((driverId) => ({ offerId: offer!.id, driverId })));
    return { tripId: trip!.id, offerId: offer!.id };
  }

  it("accepting a ride offer assigns the rider's existing trip instead of creating one", async () => {
    const { tripId, offerId } = await rideOffer([free1.userId, free2.userId]);
    const won = await free2.api.offers.respond.mutate({ offerId, action: "accept" });
    expect(won).toMatchObject({ kind: "ride", status: "accepted", tripId, agreedRateCents: 1_800 });
    const rows = await t.db.select().from(trips).where(eq(trips.offerId, offerId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: tripId, riderId: rider.userId, driverId: free2.userId, status: "assigned", fareCents: 1_800 });
  });

  it("refuses the accept when the rider cancelled meanwhile, and writes nothing", async () => {
    const { tripId, offerId } = await rideOffer([free1.userId]);
    await t.db.update(trips).set({ status: "cancelled" }).where(eq(trips.id, tripId));
    const refused = await failure(free1.api.offers.respond.mutate({ offerId, action: "accept" }));
    expect(refused).toMatchObject({ code: "CONFLICT", message: "The rider cancelled this trip" });
    const [offer] = await t.db.select().from(offers).where(eq(offers.id, offerId));
    expect(offer).toMatchObject({ status: "open", acceptedDriverId: null });
  });
});
