import { beforeAll, describe, expect, it } from "vitest";
import { and, asc, drivers, eq, events, inArray, offerRecipients, offers, trips } from "@convoy/db";
import { estimateFareCents } from "@convoy/api/schemas";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { throughMarkers } from "./support/barrier";
import { failure, offerEvents, typesOf } from "./support/offerFixtures";
import { addDrivers, addRiders, area, offsetKm, placeDriver, rideInput, tripEvents, tripTypes } from "./support/tripFixtures";

// A small search, waves of ten and one-second ride offers, so a whole search takes seconds.
// Who is offered first and how a search widens is rideDispatch.test.ts.
const t = useTestServer({ trips: { searchRadiusKm: 3, waveSizes: [10], offerTimeoutSeconds: 1 } });

let dispatcher: LoggedInClient;
let riders: LoggedInClient[];
let pool: LoggedInClient[];

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  riders = await addRiders(t, 8);
  pool = await addDrivers(t, 20);
});

/** Ride offers made for a trip, oldest first, with their recipients' ids. */
async function rideOffersOf(tripId: number) {
  const rows = await t.db.select().from(offers).where(eq(offers.tripId, tripId)).orderBy(asc(offers.id));
  return Promise.all(
    rows.map(async (offer) => ({
      offer,
      driverIds: (
        await t.db
          .select({ id: offerRecipients.driverId })
          .from(offerRecipients)
          .where(eq(offerRecipients.offerId, offer.id))
          .orderBy(asc(offerRecipients.driverId))
      ).map((row) => row.id),
    })),
  );
}

const ids = (clients: LoggedInClient[]) => clients.map((client) => client.userId).sort((a, b) => a - b);

describe("trips.request: nearest available drivers", () => {
  it("offers the ride to the wave's 10 nearest available drivers, and only to them", async () => {
    const centre = area(1);
    const rider = riders[0]!;
    const nearest = pool.slice(0, 12);
    // 12 available drivers 0.05–0.6 km away: only the 10 nearest may get the offer.
    for (const [i, driver] of nearest.entries()) await placeDriver(t, driver.userId, offsetKm(centre, 0.05 * (i + 1)));
    const [busy, offline, outside] = pool.slice(12, 15) as [LoggedInClient, LoggedInClient, LoggedInClient];
    await placeDriver(t, busy.userId, offsetKm(centre, 0.01), "busy");
    await placeDriver(t, offline.userId, offsetKm(centre, 0, 0.01), "offline");
    await placeDriver(t, outside.userId, offsetKm(centre, 0, 1.5));

    const riderStream = tripEvents(rider);
    const driverStreams = [nearest[0]!, nearest[9]!, nearest[10]!, busy, outside].map((driver) => offerEvents(driver));
    await Promise.all([riderStream.started, ...driverStreams.map((stream) => stream.started)]);

    const input = rideInput(centre);
    const trip = await rider.api.trips.request.mutate(input);
    expect(trip).toMatchObject({
      kind: "ride",
      status: "requested",
      rider: { id: rider.userId },
      driver: null,
      searchRing: 0,
      fareCents: estimateFareCents(input.pickup, input.dropoff),
    });
    expect(trip.requestedAt).not.toBeNull();

    const offered = await rideOffersOf(trip.id);
    expect(offered).toHaveLength(1);
    expect(offered[0]!.offer).toMatchObject({ kind: "ride", tripId: trip.id, createdBy: rider.userId, status: "open", rateCents: trip.fareCents });
    expect(offered[0]!.driverIds).toEqual(ids(nearest.slice(0, 10)));

    await driverStreams[0]!.until((items) => typesOf(items).includes("offer.received"));
    await driverStreams[1]!.until((items) => typesOf(items).includes("offer.received"));
    await riderStream.until((items) => tripTypes(items, trip.id).length >= 2);
    const unchosen = [nearest[10]!, busy, outside];
    const offersBefore = await throughMarkers(
      t,
      "offers",
      unchosen.map((driver, i) => ({ stream: driverStreams[2 + i]!, audience: { driverId: driver.userId } })),
    );
    for (const before of offersBefore) expect(typesOf(before)).toEqual([]);
    const [riderBefore] = await throughMarkers(t, "trips", [{ stream: riderStream, audience: { tripId: trip.id, riderId: rider.userId } }]);
    expect(tripTypes(riderBefore!, trip.id)).toEqual(["trip.requested", "trip.searching"]);
    expect(riderBefore![1]!.data).toMatchObject({ type: "trip.searching", ring: 0, radiusKm: 0.5, driverCount: 10 });

    // The rider is never an offer's audience: no offer event names anyone but drivers.
    const offerRows = await t.db
      .select()
      .from(events)
      .where(and(eq(events.stream, "offers"), eq(events.offerId, offered[0]!.offer.id)));
    expect(offerRows.length).toBe(10);
    expect(offerRows.every((row) => row.dispatcherId === null && row.riderId === null && row.driverId !== null)).toBe(true);

    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
  });

  it("with no driver in range ends no_driver right away, and the rider's trips.events shows it", async () => {
    const rider = riders[3]!;
    const riderStream = tripEvents(rider);
    await riderStream.started;
    const trip = await rider.api.trips.request.mutate(rideInput(area(4)));
    expect(trip).toMatchObject({ status: "cancelled", cancelReason: "no_driver", driver: null });
    await riderStream.until((items) => tripTypes(items, trip.id).length >= 2);
    expect(tripTypes(riderStream.items, trip.id)).toEqual(["trip.requested", "trip.cancelled"]);
    expect(riderStream.items[1]!.data).toMatchObject({ type: "trip.cancelled", by: "system", reason: "no_driver" });
    expect(await rideOffersOf(trip.id)).toEqual([]);
  });

  it("judges distance by the fresher in-memory position when the driver has reported since the row was written", async () => {
    const centre = area(5);
    const rider = riders[4]!;
    const driver = pool[4]!;
    // The row says 0.3 km (a minute old); the driver has since reported 2.5 km away.
    await placeDriver(t, driver.userId, offsetKm(centre, 0.3), "available", new Date(Date.now() - 60_000));
    const live = offsetKm(centre, 2.5);
    await driver.api.tracking.report.mutate({ points: [{ ...live, recordedAt: Date.now() }] });
    const riderStream = tripEvents(rider);
    await riderStream.started;

    const trip = await rider.api.trips.request.mutate(rideInput(centre));
    expect((await rideOffersOf(trip.id)).map((ride) => ride.driverIds)).toEqual([[driver.userId]]);
    await riderStream.until((items) => tripTypes(items, trip.id).includes("trip.searching"));
    const searching = riderStream.items.find((item) => item.data.type === "trip.searching" && item.data.tripId === trip.id);
    expect(searching!.data).toMatchObject({ radiusKm: 2.5, driverCount: 1 });
    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
    riderStream.stop();
  });
});

describe("trips.request: the first to accept wins", () => {
  it("assigns the trip to one driver, makes them busy, and tells the rider who is coming", async () => {
    const centre = area(6);
    const rider = riders[5]!;
    const contenders = pool.slice(5, 8);
    for (const [i, driver] of contenders.entries()) await placeDriver(t, driver.userId, offsetKm(centre, 0.2 * (i + 1)));
    for (const driver of contenders) await t.db.update(drivers).set({ ratingSum: 9, ratingCount: 2 }).where(eq(drivers.userId, driver.userId));
    const riderStream = tripEvents(rider);
    const dispatcherStream = tripEvents(dispatcher);
    await Promise.all([riderStream.started, dispatcherStream.started]);

    const trip = await rider.api.trips.request.mutate(rideInput(centre));
    const [ride] = await rideOffersOf(trip.id);
    const offerId = ride!.offer.id;
    const answers = await Promise.allSettled(contenders.map((driver) => driver.api.offers.respond.mutate({ offerId, action: "accept" })));
    const winners = answers.flatMap((answer, i) => (answer.status === "fulfilled" ? [contenders[i]!] : []));
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    for (const [i, answer] of answers.entries()) {
      if (answer.status === "rejected") expect((await failure(Promise.reject(answer.reason as Error))).code, `driver ${i}`).toBe("CONFLICT");
    }

    const [row] = await t.db.select().from(trips).where(eq(trips.id, trip.id));
    expect(row).toMatchObject({ status: "assigned", driverId: winner.userId, offerId, fareCents: trip.fareCents });
    expect(row!.assignedAt).not.toBeNull();
    const [driverRow] = await t.db.select({ availability: drivers.availability }).from(drivers).where(eq(drivers.userId, winner.userId));
    expect(driverRow!.availability).toBe("busy");

    await riderStream.until((items) => tripTypes(items, trip.id).includes("trip.assigned"));
    const assigned = riderStream.items.map((item) => item.data).find((event) => event.type === "trip.assigned" && event.tripId === trip.id);
    expect(assigned?.trip.driver).toEqual({
      id: winner.userId,
      name: expect.stringContaining("trip-driver") as string,
      vehicleType: "van",
      rating: 4.5,
      ratingCount: 2,
    });
    // Every dispatcher sees every trip's events.
    await dispatcherStream.until((items) => tripTypes(items, trip.id).includes("trip.assigned"));
    expect(tripTypes(dispatcherStream.items, trip.id)).toEqual(["trip.requested", "trip.searching", "trip.assigned"]);

    const byId = await rider.api.trips.byId.query({ tripId: trip.id });
    expect(byId).toMatchObject({ status: "assigned", driver: { id: winner.userId }, offerId });
    await dispatcher.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
    const [freed] = await t.db.select({ availability: drivers.availability }).from(drivers).where(eq(drivers.userId, winner.userId));
    expect(freed!.availability).toBe("available");
  });

  it("a rider cancelling while drivers accept ends the same consistent way every time (x10)", async () => {
    const rider = riders[5]!;
    const contenders = pool.slice(10, 13);
    for (let round = 0; round < 10; round++) {
      const centre = area(10 + round);
      for (const [i, driver] of contenders.entries()) await placeDriver(t, driver.userId, offsetKm(centre, 0.1 * (i + 1)));
      const trip = await rider.api.trips.request.mutate(rideInput(centre));
      const [ride] = await rideOffersOf(trip.id);
      const offerId = ride!.offer.id;
      const [cancel, ...accepts] = await Promise.allSettled([
        rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "race" }),
        ...contenders.map((driver) => driver.api.offers.respond.mutate({ offerId, action: "accept" })),
      ]);
      expect(cancel.status, `round ${round}`).toBe("fulfilled");
      const won = accepts.filter((answer) => answer.status === "fulfilled").length;
      expect(won, `round ${round}`).toBeLessThanOrEqual(1);

      const [row] = await t.db.select().from(trips).where(eq(trips.id, trip.id));
      const [offer] = await t.db.select().from(offers).where(eq(offers.id, offerId));
      expect(row!.status).toBe("cancelled");
      expect(offer!.status).toBe(won === 1 ? "accepted" : "cancelled");
      expect(row!.driverId !== null).toBe(won === 1);
      // Whoever won was freed again by the cancel.
      const states = await t.db
        .select({ availability: drivers.availability })
        .from(drivers)
        .where(inArray(drivers.userId, ids(contenders)));
      expect(states.map((state) => state.availability)).toEqual(["available", "available", "available"]);
    }
  });

  it("a rider with a trip under way cannot request another, and cancelling withdraws the open ride offer", async () => {
    const centre = area(7);
    const rider = riders[6]!;
    const driver = pool[8]!;
    await placeDriver(t, driver.userId, offsetKm(centre, 0.2));
    const driverStream = offerEvents(driver);
    await driverStream.started;
    const trip = await rider.api.trips.request.mutate(rideInput(centre));
    const second = await failure(rider.api.trips.request.mutate(rideInput(centre)));
    expect(second.code).toBe("CONFLICT");
    expect(second.message).toContain(`trip ${trip.id}`);

    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "Found another way" });
    const [ride] = await rideOffersOf(trip.id);
    expect(ride!.offer.status).toBe("cancelled");
    await driverStream.until((items) => typesOf(items).includes("offer.withdrawn"));
    const late = await failure(driver.api.offers.respond.mutate({ offerId: ride!.offer.id, action: "accept" }));
    expect(late.code).toBe("CONFLICT");
    const counter = await failure(driver.api.offers.respond.mutate({ offerId: ride!.offer.id, action: "counter", counterRateCents: 5_000 }));
    expect(counter.code).toBe("CONFLICT");
  });

  it("refuses a counter on a ride offer: the fare is fixed", async () => {
    const centre = area(8);
    const rider = riders[7]!;
    const driver = pool[9]!;
    await placeDriver(t, driver.userId, offsetKm(centre, 0.2));
    const trip = await rider.api.trips.request.mutate(rideInput(centre));
    const [ride] = await rideOffersOf(trip.id);
    const counter = await failure(driver.api.offers.respond.mutate({ offerId: ride!.offer.id, action: "counter", counterRateCents: 99_999 }));
    expect(counter).toMatchObject({ code: "BAD_REQUEST", message: "A ride's fare is fixed; accept or reject it" });
    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
  });

  it("refuses bad requests with nothing written", async () => {
    const rider = riders[7]!;
    const before = (await t.db.select({ id: trips.id }).from(trips)).length;
    const pickup = { address: "Here", lat: 30, lng: -100 };
    for (const input of [
      { pickup, dropoff: pickup },
      { pickup: { ...pickup, lat: 91 }, dropoff: { address: "There", lat: 30.1, lng: -100 } },
      { pickup: { ...pickup, address: "" }, dropoff: { address: "There", lat: 30.1, lng: -100 } },
    ]) {
      expect((await failure(rider.api.trips.request.mutate(input))).code).toBe("BAD_REQUEST");
    }
    expect((await failure(dispatcher.api.trips.request.mutate(rideInput(area(9))))).code).toBe("FORBIDDEN");
    expect((await failure(pool[0]!.api.trips.request.mutate(rideInput(area(9))))).code).toBe("FORBIDDEN");
    expect((await t.db.select({ id: trips.id }).from(trips)).length).toBe(before);
  });
});
