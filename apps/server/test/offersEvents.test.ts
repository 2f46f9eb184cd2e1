import { beforeAll, describe, expect, it } from "vitest";
import { and, asc, desc, eq, events, gt, or } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { throughMarkers } from "./support/barrier";
import { addUsers, loadInput, offerEvents, sleep, typesOf, type OfferEventItem } from "./support/offerFixtures";

// These tests are about delivery, so one driver may make more mutations than the default budget.
const t = useTestServer({ rateLimits: { mutationPoints: 10_000 } });

let dispatcher: LoggedInClient;
let otherDispatcher: LoggedInClient;
let drivers: LoggedInClient[];

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  drivers = await Promise.all(Array.from({ length: 6 }, (_, i) => t.as("driver", i + 1)));
  [otherDispatcher] = (await addUsers(t, "dispatcher", 1)) as [LoggedInClient];
});

/** Ids of the `offers` events the dispatcher may see after `afterId`, as the log holds them. */
async function visibleIds(dispatcherId: number, afterId: number): Promise<number[]> {
  const rows = await t.db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.stream, "offers"), gt(events.id, afterId), or(eq(events.dispatcherId, dispatcherId), eq(events.allDispatchers, true))))
    .orderBy(asc(events.id));
  return rows.map((row) => row.id);
}

const idsOf = (items: OfferEventItem[]) => items.map((item) => Number(item.id));
const lastIdOf = (items: OfferEventItem[], fallback: string) => items.at(-1)?.id ?? fallback;

/** 100 events the dispatcher sees: 50 offers created, each viewed by driver 1. */
async function hundredEvents(): Promise<number[]> {
  const offerIds: number[] = [];
  for (let i = 0; i < 50; i++) {
    const { id } = await dispatcher.api.offers.create.mutate(loadInput([drivers[0]!.userId]));
    await drivers[0]!.api.offers.markViewed.mutate({ offerId: id });
    offerIds.push(id);
  }
  return offerIds;
}

describe("offers.events resume", () => {
  it("a subscriber that was away for 100 events gets exactly those 100, in order", async () => {
    const first = offerEvents(dispatcher, { lastEventId: "0" });
    const { id: warmup } = await dispatcher.api.offers.create.mutate(loadInput([drivers[0]!.userId]));
    await first.until((items) => items.some((item) => item.data.offerId === warmup));
    first.stop();
    const lastSeen = lastIdOf(first.items, "0");

    const offerIds = await hundredEvents();

    const resumed = offerEvents(dispatcher, { lastEventId: lastSeen });
    await resumed.until((items) => items.length >= 100);
    const expected = await visibleIds(dispatcher.userId, Number(lastSeen));
    const [received] = await throughMarkers(t, "offers", [{ stream: resumed, audience: { dispatcherId: dispatcher.userId } }]);
    expect(received).toHaveLength(100);
    expect(idsOf(received!)).toEqual(expected);
    expect(received!.map((item) => [item.data.type, item.data.offerId])).toEqual(
      offerIds.flatMap((offerId) => [
        ["offer.created", offerId],
        ["offer.viewed", offerId],
      ]),
    );
    resumed.stop();
  });

  it("the client resumes by itself after its socket drops, with no gap and no duplicate", async () => {
    const baseline = (await visibleIds(dispatcher.userId, 0)).at(-1) ?? 0;
    const live = offerEvents(dispatcher, { lastEventId: String(baseline) });
    await live.started;
    const states: string[] = [];
    const stopWatching = dispatcher.onConnectionStateChange((state) => states.push(state));

    const producing = hundredEvents();
    await live.until((items) => items.length >= 10);
    // The server ends the socket; the wsLink reconnects and sends the last tracked id back.
    expect(t.server.services.sessions.closeStreamsOf(dispatcher.userId, "test: drop the socket")).toBeGreaterThan(0);
    await producing;

    const expected = await visibleIds(dispatcher.userId, baseline);
    expect(expected).toHaveLength(100);
    await live.until((items) => items.length >= 100, 20_000);
    const [received] = await throughMarkers(t, "offers", [{ stream: live, audience: { dispatcherId: dispatcher.userId } }]);
    expect(idsOf(received!)).toEqual(expected);
    expect(states).toContain("connecting");
    stopWatching();
    live.stop();
  });
});

describe("offers.events: one offer to many drivers", () => {
  it("stores the shared offer once, and a driver resuming after it gets the whole offer", async () => {
    const [d1, , , , d5, d6] = drivers;
    const live = offerEvents(d1!);
    await live.started;
    const before = (await t.db.select({ id: events.id }).from(events).orderBy(desc(events.id)).limit(1))[0]?.id ?? 0;

    const offer = await dispatcher.api.offers.create.mutate(loadInput(drivers.map((d) => d.userId)));

    const rows = await t.db
      .select({ id: events.id, driverId: events.driverId, payloadBack: events.payloadBack, payload: events.payload })
      .from(events)
      .where(and(eq(events.offerId, offer.id), eq(events.type, "offer.received")))
      .orderBy(asc(events.id));
    expect(rows).toHaveLength(6);
    // The first driver's row holds the offer; the other five point back at it.
    expect(rows[0]!.payloadBack).toBeNull();
    expect(rows.slice(1).every((row) => row.id - row.payloadBack! === rows[0]!.id && JSON.stringify(row.payload) === "{}")).toBe(true);

    await live.until((items) => typesOf(items, offer.id).includes("offer.received"));
    const { id: _, ...delivered } = live.items.find((item) => item.data.offerId === offer.id)!.data;
    live.stop();

    // d5 and d6 read their rows from MySQL: the shared payload comes from a row that is not theirs.
    for (const driver of [d5!, d6!]) {
      const resumed = offerEvents(driver, { lastEventId: String(before) });
      await resumed.until((items) => typesOf(items, offer.id).includes("offer.received"));
      const { id: __, ...received } = resumed.items.find((item) => item.data.offerId === offer.id)!.data;
      // Everything but the row's own id is what the first driver got live.
      expect(received).toEqual(delivered);
      expect(received).toMatchObject({ type: "offer.received", offer: { id: offer.id, rateCents: offer.rateCents } });
      resumed.stop();
    }
  });
});

describe("offers.events under concurrent writers", () => {
  it("a subscriber that disconnects and resumes 15+ times ends with exactly the log's rows", async () => {
    const baseline = (await visibleIds(dispatcher.userId, 0)).at(-1) ?? 0;
    const olderOffers = (await dispatcher.api.offers.list.query({ limit: 1 })).items[0]?.id ?? 0;
    const [d1, d2, d3, d4, d5, d6] = drivers as [LoggedInClient, LoggedInClient, LoggedInClient, LoggedInClient, LoggedInClient, LoggedInClient];
    const recipients = [d1, d2, d3, d4, d5].map((d) => d.userId);
    const OFFERS = 15;
    let writing = true;

    /** The dispatcher offers loads; a second dispatcher competes for the event sequence. */
    const creator = async (client: LoggedInClient, n: number, driverIds: number[]) => {
      for (let i = 0; i < n; i++) await client.api.offers.create.mutate(loadInput(driverIds));
    };
    /** A driver views and counters each of the dispatcher's new offers as it appears. */
    const responder = async (driver: LoggedInClient, seed: number) => {
      const handled = new Set<number>();
      while (handled.size < OFFERS) {
        const page = await driver.api.offers.list.query({ status: ["open"], limit: 50 });
        for (const item of page.items) {
          if (handled.has(item.id) || item.id <= olderOffers || item.dispatcher.id !== dispatcher.userId) continue;
          handled.add(item.id);
          await driver.api.offers.markViewed.mutate({ offerId: item.id });
          await driver.api.offers.respond.mutate({ offerId: item.id, action: "counter", counterRateCents: 40_000 + seed * 100 + handled.size });
        }
        await sleep(20);
      }
    };

    const collected: OfferEventItem[] = [];
    let sessions = 0;
    let sessionsWithEvents = 0;
    const subscriber = async () => {
      while (writing || sessions < 15) {
        const session = offerEvents(dispatcher, { lastEventId: lastIdOf(collected, String(baseline)) });
        await session.started;
        await sleep(40 + Math.random() * 120);
        session.stop();
        collected.push(...session.items);
        sessions++;
        if (session.items.length > 0) sessionsWithEvents++;
      }
    };

    const subscribing = subscriber();
    const writers = Promise.all([
      creator(dispatcher, OFFERS, recipients),
      creator(otherDispatcher, OFFERS, [d6.userId, d1.userId]),
      ...[d1, d2, d3, d4, d5].map((driver, i) => responder(driver, i)),
    ]).finally(() => (writing = false));
    await Promise.all([writers, subscribing]);

    const expected = await visibleIds(dispatcher.userId, baseline);
    const final = offerEvents(dispatcher, { lastEventId: lastIdOf(collected, String(baseline)) });
    await final.until((items) => collected.length + items.length >= expected.length, 20_000);
    const [received] = await throughMarkers(t, "offers", [{ stream: final, audience: { dispatcherId: dispatcher.userId } }]);
    final.stop();
    collected.push(...received!);

    expect(sessions).toBeGreaterThanOrEqual(15);
    // Resumes happened in the middle of the writing, not only before or after it.
    expect(sessionsWithEvents).toBeGreaterThanOrEqual(3);
    // Each offer: created, then viewed and countered by each of its 5 drivers.
    expect(expected).toHaveLength(OFFERS * (1 + 5 * 2));
    const ids = idsOf(collected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected);
  });
});

describe("a load's award on the trips stream", () => {
  it("carries the trip exactly as stored, with its driver's name, vehicle and rating", async () => {
    const [winner] = await addUsers(t, "driver", 1);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([winner!.userId, drivers[5]!.userId]));
    await winner!.api.offers.respond.mutate({ offerId: offer.id, action: "accept" });
    const won = await dispatcher.api.offers.byId.query({ offerId: offer.id });

    const [assigned] = await t.db
      .select({ payload: events.payload })
      .from(events)
      .where(and(eq(events.stream, "trips"), eq(events.type, "trip.assigned"), eq(events.tripId, won.tripId!)))
      .orderBy(desc(events.id));
    const stored = await dispatcher.api.trips.byId.query({ tripId: won.tripId! });
    expect(assigned?.payload).toEqual({ trip: stored });
    expect(stored).toMatchObject({
      kind: "load",
      status: "assigned",
      offerId: offer.id,
      fareCents: 45_000,
      driver: { id: winner!.userId, name: "Extra driver 0" },
    });
  });
});

describe("a new offer as created", () => {
  it("is returned and announced exactly as stored, quotes, accents and coordinates of 17 digits included", async () => {
    const input = loadInput([drivers[4]!.userId, drivers[5]!.userId], {
      pickup: { address: `O'Brien "Dock" 7, Zürich \\ Straße`, lat: 41.1 + 0.2, lng: -87.6 - 0.1 - 0.2 },
      dropoff: { address: "Midway Cargo, Chicago", lat: 41.7868, lng: -87.7522 },
      notes: "Call 📞 on arrival; it's gate 'B'",
      expiresInSeconds: 600,
    });
    const created = await dispatcher.api.offers.create.mutate(input);
    expect(created).toEqual(await dispatcher.api.offers.byId.query({ offerId: created.id }));
    expect(created.pickup).toEqual(input.pickup);

    const [announced] = await t.db
      .select({ payload: events.payload })
      .from(events)
      .where(and(eq(events.stream, "offers"), eq(events.type, "offer.created"), eq(events.offerId, created.id)));
    const { status: _status, acceptedDriverId: _winner, agreedRateCents: _rate, tripId: _trip, recipients: _recipients, ...summary } = created;
    expect(announced?.payload).toEqual({ offer: summary, driverIds: input.driverIds });
    expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBe(600_000);
  });
});

describe("a driver's accept as answered", () => {
  it("is the offer exactly as the winner then reads it: viewed, countered and odd text included", async () => {
    const [winner] = await addUsers(t, "driver", 1);
    const input = loadInput([winner!.userId, drivers[4]!.userId, drivers[5]!.userId], {
      pickup: { address: `O'Brien "Dock" 7, Zürich \\ Straße`, lat: 41.1 + 0.2, lng: -87.6 - 0.1 - 0.2 },
      notes: "Call 📞 on arrival; it's gate 'B'",
    });
    const offer = await dispatcher.api.offers.create.mutate(input);
    await winner!.api.offers.markViewed.mutate({ offerId: offer.id });
    await winner!.api.offers.respond.mutate({ offerId: offer.id, action: "counter", counterRateCents: 47_000 });
    await drivers[4]!.api.offers.respond.mutate({ offerId: offer.id, action: "reject" });

    const accepted = await winner!.api.offers.respond.mutate({ offerId: offer.id, action: "accept" });
    expect(accepted).toEqual(await winner!.api.offers.byId.query({ offerId: offer.id }));
    expect(accepted).toMatchObject({ status: "accepted", acceptedDriverId: winner!.userId, agreedRateCents: input.rateCents, notes: input.notes });
    expect(accepted.recipients).toEqual([expect.objectContaining({ driverId: winner!.userId, status: "accepted", counterRateCents: 47_000 })]);
    expect(accepted.recipients[0]!.viewedAt).not.toBeNull();
  });
});
