import { beforeAll, describe, expect, it } from "vitest";
import type { DriverStatus } from "@convoy/api";
import { count, drivers, eq, events, offers, trips } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { throughMarkers } from "./support/barrier";
import { failure } from "./support/offerFixtures";
import { addDrivers, addRiders, area, offsetKm, placeDriver, rideInput, tripEvents, tripTypes } from "./support/tripFixtures";

// The status machine, cancelling, rating and visibility, not the arrival guard (tripGuards.test.ts):
// every driver here stands within 50 km of their trips, so no move needs an override reason.
const t = useTestServer({ trips: { searchRadiusKm: 2, arrivalRadiusM: 50_000 } });

let dispatcher: LoggedInClient;
let riders: LoggedInClient[];
let pool: LoggedInClient[];
let nextArea = 20;

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  riders = await addRiders(t, 6);
  pool = await addDrivers(t, 6);
});

/** A ride `rider` requested and `driver` won: the trip id, status `assigned`. */
async function assignedTrip(rider: LoggedInClient, driver: LoggedInClient): Promise<number> {
  const centre = area(nextArea++);
  await placeDriver(t, driver.userId, offsetKm(centre, 0.3));
  const trip = await rider.api.trips.request.mutate(rideInput(centre));
  const [offer] = await t.db.select({ id: offers.id }).from(offers).where(eq(offers.tripId, trip.id));
  await driver.api.offers.respond.mutate({ offerId: offer!.id, action: "accept" });
  return trip.id;
}

async function tripRow(tripId: number) {
  const [row] = await t.db.select().from(trips).where(eq(trips.id, tripId));
  return row!;
}

async function availabilityOf(driverId: number) {
  const [row] = await t.db.select({ availability: drivers.availability }).from(drivers).where(eq(drivers.userId, driverId));
  return row!.availability;
}

/** Rows in the tables a refused trip call could write. */
async function writeCounts() {
  const [tripRows] = await t.db.select({ n: count() }).from(trips);
  const [eventRows] = await t.db.select({ n: count() }).from(events);
  const ratings = await t.db.select({ sum: drivers.ratingSum, n: drivers.ratingCount }).from(drivers);
  return { trips: tripRows!.n, events: eventRows!.n, ratings };
}

const DRIVER_STEPS: DriverStatus[] = ["en_route", "arrived", "in_progress", "completed"];
const TIME_COLUMN = { en_route: "enRouteAt", arrived: "arrivedAt", in_progress: "inProgressAt", completed: "completedAt" } as const;

describe("trips.updateStatus: the status machine", () => {
  it("allows exactly assigned → en_route → arrived → in_progress → completed, stamping each time and refusing every other move", async () => {
    const [rider, driver] = [riders[0]!, pool[0]!];
    const tripId = await assignedTrip(rider, driver);
    const stream = tripEvents(rider, { tripId, lastEventId: "0" });
    let status: "assigned" | DriverStatus = "assigned";

    for (const next of [...DRIVER_STEPS, null]) {
      for (const wrong of DRIVER_STEPS.filter((candidate) => candidate !== next && candidate !== status)) {
        const refused = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: wrong }));
        expect({ from: status, to: wrong, code: refused.code }).toEqual({ from: status, to: wrong, code: "CONFLICT" });
        expect(refused.message).toMatch(new RegExp(`is .+, so it cannot become ${wrong}`));
        expect((await tripRow(tripId)).status).toBe(status);
      }
      // Repeating the current status (a retry) changes nothing and is not an error.
      if (status !== "assigned") {
        const stamped = (await tripRow(tripId))[TIME_COLUMN[status]];
        expect((await driver.api.trips.updateStatus.mutate({ tripId, status })).status).toBe(status);
        expect((await tripRow(tripId))[TIME_COLUMN[status]]).toEqual(stamped);
      }
      if (next === null) break;
      const before = Date.now();
      const moved = await driver.api.trips.updateStatus.mutate({ tripId, status: next });
      expect(moved.status).toBe(next);
      const row = await tripRow(tripId);
      expect(row.status).toBe(next);
      expect(row[TIME_COLUMN[next]]!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      expect(await availabilityOf(driver.userId)).toBe(next === "completed" ? "available" : "busy");
      status = next;
    }

    await stream.until((items) => tripTypes(items).length >= 7);
    expect(tripTypes(stream.items)).toEqual([
      "trip.requested",
      "trip.searching",
      "trip.assigned",
      "trip.status_changed:en_route",
      "trip.status_changed:arrived",
      "trip.status_changed:in_progress",
      "trip.status_changed:completed",
    ]);
    expect(stream.items.every((item) => item.data.type !== "trip.status_changed" || !item.data.automatic)).toBe(true);
  });

  it("refuses statuses a driver never sets, and a trip that is still requested", async () => {
    const [rider, driver] = [riders[1]!, pool[1]!];
    const tripId = await assignedTrip(rider, driver);
    for (const status of ["assigned", "cancelled", "requested", "done"]) {
      const refused = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: status as DriverStatus }));
      expect(refused.code).toBe("BAD_REQUEST");
      expect(refused.message).toMatch(/status/);
    }
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });

    // A requested trip has no driver, so to every driver it is someone else's.
    await placeDriver(t, driver.userId, offsetKm(area(nextArea), 0.3));
    const requested = await rider.api.trips.request.mutate(rideInput(area(nextArea++)));
    expect((await failure(driver.api.trips.updateStatus.mutate({ tripId: requested.id, status: "en_route" }))).code).toBe("NOT_FOUND");
    await rider.api.trips.cancel.mutate({ tripId: requested.id, reason: "test over" });
  });

  it("lets only the trip's own driver move it", async () => {
    const [rider, driver, other] = [riders[2]!, pool[2]!, pool[3]!];
    const tripId = await assignedTrip(rider, driver);
    expect((await failure(other.api.trips.updateStatus.mutate({ tripId, status: "en_route" }))).code).toBe("NOT_FOUND");
    expect((await failure(rider.api.trips.updateStatus.mutate({ tripId, status: "en_route" }))).code).toBe("FORBIDDEN");
    expect((await failure(dispatcher.api.trips.updateStatus.mutate({ tripId, status: "en_route" }))).code).toBe("FORBIDDEN");
    expect((await tripRow(tripId)).status).toBe("assigned");
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
  });
});

describe("a driver on a trip", () => {
  it("cannot take a second ride offered before they became busy; the offer stays open for others", async () => {
    const [driver] = (await addDrivers(t, 1)) as [LoggedInClient];
    const [firstRider, secondRider] = (await addRiders(t, 2)) as [LoggedInClient, LoggedInClient];
    const centre = area(nextArea++);
    await placeDriver(t, driver.userId, offsetKm(centre, 0.3));
    const first = await firstRider.api.trips.request.mutate(rideInput(centre));
    const second = await secondRider.api.trips.request.mutate(rideInput(offsetKm(centre, 0.1)));
    const offerOf = async (tripId: number) => (await t.db.select().from(offers).where(eq(offers.tripId, tripId)))[0]!;
    const [firstOffer, secondOffer] = [await offerOf(first.id), await offerOf(second.id)];

    await driver.api.offers.respond.mutate({ offerId: firstOffer.id, action: "accept" });
    const refused = await failure(driver.api.offers.respond.mutate({ offerId: secondOffer.id, action: "accept" }));

    expect(refused).toMatchObject({ code: "CONFLICT", message: "You are on a trip; finish it before accepting another ride" });
    expect((await offerOf(second.id)).status).toBe("open");
    expect((await tripRow(second.id)).status).toBe("requested");
    expect((await tripRow(first.id)).driverId).toBe(driver.userId);
    await secondRider.api.trips.cancel.mutate({ tripId: second.id, reason: "test over" });
    await firstRider.api.trips.cancel.mutate({ tripId: first.id, reason: "test over" });
  });
});

describe("trips.cancel", () => {
  it("the rider may cancel until the ride starts, and the driver is freed", async () => {
    const [rider, driver] = [riders[3]!, pool[4]!];
    for (const steps of [[], ["en_route"], ["en_route", "arrived"]] as DriverStatus[][]) {
      const tripId = await assignedTrip(rider, driver);
      for (const status of steps) await driver.api.trips.updateStatus.mutate({ tripId, status });
      const stream = tripEvents(driver, { tripId, lastEventId: "0" });
      const cancelled = await rider.api.trips.cancel.mutate({ tripId, reason: "Plans changed" });
      expect(cancelled).toMatchObject({ status: "cancelled", cancelReason: "Plans changed" });
      expect((await tripRow(tripId)).cancelledAt).not.toBeNull();
      expect(await availabilityOf(driver.userId)).toBe("available");
      // The driver hears it on trips.events.
      await stream.until((items) => tripTypes(items).includes("trip.cancelled"));
      expect(stream.items.at(-1)!.data).toMatchObject({ type: "trip.cancelled", by: "rider", reason: "Plans changed" });
      stream.stop();
    }
  });

  it("once the ride is in progress only a dispatcher may cancel; an ended trip nobody", async () => {
    const [rider, driver] = [riders[3]!, pool[4]!];
    const tripId = await assignedTrip(rider, driver);
    for (const status of ["en_route", "arrived", "in_progress"] as const) await driver.api.trips.updateStatus.mutate({ tripId, status });
    const refused = await failure(rider.api.trips.cancel.mutate({ tripId, reason: "Let me out" }));
    expect(refused.code).toBe("CONFLICT");
    expect(refused.message).toMatch(/started/);
    expect((await tripRow(tripId)).status).toBe("in_progress");

    await dispatcher.api.trips.cancel.mutate({ tripId, reason: "Vehicle breakdown" });
    expect(await tripRow(tripId)).toMatchObject({ status: "cancelled", cancelReason: "Vehicle breakdown" });
    expect(await availabilityOf(driver.userId)).toBe("available");
    for (const canceller of [rider, dispatcher]) {
      const again = await failure(canceller.api.trips.cancel.mutate({ tripId, reason: "again" }));
      expect(again.code).toBe("CONFLICT");
      expect(again.message).toMatch(/cancelled/);
    }

    const completed = await assignedTrip(rider, driver);
    for (const status of DRIVER_STEPS) await driver.api.trips.updateStatus.mutate({ tripId: completed, status });
    const late = await failure(dispatcher.api.trips.cancel.mutate({ tripId: completed, reason: "too late" }));
    expect(late.code).toBe("CONFLICT");
    expect(late.message).toMatch(/completed/);
  });

  it("refuses other riders, drivers and bad reasons, writing nothing", async () => {
    const [rider, driver] = [riders[4]!, pool[5]!];
    const tripId = await assignedTrip(rider, driver);
    const before = await writeCounts();
    expect((await failure(riders[5]!.api.trips.cancel.mutate({ tripId, reason: "not mine" }))).code).toBe("NOT_FOUND");
    expect((await failure(driver.api.trips.cancel.mutate({ tripId, reason: "I'm tired" }))).code).toBe("FORBIDDEN");
    for (const reason of ["", "   ", "x".repeat(256)]) {
      expect((await failure(rider.api.trips.cancel.mutate({ tripId, reason }))).code).toBe("BAD_REQUEST");
    }
    expect(await writeCounts()).toEqual(before);
    expect((await tripRow(tripId)).status).toBe("assigned");
    await rider.api.trips.cancel.mutate({ tripId, reason: "x".repeat(255) });
  });
});

describe("trips.rate", () => {
  it("rates a completed trip once, moving the driver's average; refuses before completion and bad input with nothing written", async () => {
    const [rider, driver] = [riders[5]!, pool[5]!];
    await t.db.update(drivers).set({ ratingSum: 8, ratingCount: 2 }).where(eq(drivers.userId, driver.userId));
    const tripId = await assignedTrip(rider, driver);
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });

    const early = await failure(rider.api.trips.rate.mutate({ tripId, rating: 5 }));
    expect(early.code).toBe("CONFLICT");
    expect(early.message).toMatch(/once it is completed; this one is en route/);
    for (const status of ["arrived", "in_progress", "completed"] as const) await driver.api.trips.updateStatus.mutate({ tripId, status });

    const before = await writeCounts();
    for (const input of [
      { tripId, rating: 0 },
      { tripId, rating: 6 },
      { tripId, rating: 3.5 },
      { tripId, rating: 4, comment: "y".repeat(1_001) },
    ]) {
      expect((await failure(rider.api.trips.rate.mutate(input))).code).toBe("BAD_REQUEST");
    }
    expect((await failure(riders[4]!.api.trips.rate.mutate({ tripId, rating: 1 }))).code).toBe("NOT_FOUND");
    expect((await failure(driver.api.trips.rate.mutate({ tripId, rating: 5 }))).code).toBe("FORBIDDEN");
    expect((await failure(dispatcher.api.trips.rate.mutate({ tripId, rating: 5 }))).code).toBe("FORBIDDEN");
    expect(await writeCounts()).toEqual(before);

    const stream = tripEvents(driver, { tripId });
    await stream.started;
    const rated = await rider.api.trips.rate.mutate({ tripId, rating: 5, comment: "  Smooth ride  " });
    expect(rated).toMatchObject({ rating: 5, ratingComment: "Smooth ride", driver: { id: driver.userId, rating: 4.33, ratingCount: 3 } });
    const [driverRow] = await t.db.select().from(drivers).where(eq(drivers.userId, driver.userId));
    expect(driverRow).toMatchObject({ ratingSum: 13, ratingCount: 3 });
    const details = await driver.api.drivers.byId.query({ driverId: driver.userId });
    expect(details.rating).toBe(4.33);
    await stream.until((items) => tripTypes(items).includes("trip.rated"));

    const afterFirst = await writeCounts();
    const twice = await failure(rider.api.trips.rate.mutate({ tripId, rating: 1 }));
    expect(twice).toMatchObject({ code: "CONFLICT", message: "You have already rated this trip" });
    expect(await writeCounts()).toEqual(afterFirst);
    expect(await tripRow(tripId)).toMatchObject({ rating: 5, ratingComment: "Smooth ride" });
  });
});

describe("trips: who sees what", () => {
  it("byId and list show a rider their own trips, a driver theirs, dispatchers all (paged); others get NOT_FOUND", async () => {
    const [riderA, riderB, driverA, driverB] = [riders[0]!, riders[1]!, pool[0]!, pool[1]!];
    const tripA = await assignedTrip(riderA, driverA);
    const tripB = await assignedTrip(riderB, driverB);

    expect((await riderA.api.trips.byId.query({ tripId: tripA })).id).toBe(tripA);
    expect((await driverA.api.trips.byId.query({ tripId: tripA })).rider?.id).toBe(riderA.userId);
    expect((await dispatcher.api.trips.byId.query({ tripId: tripB })).driver?.id).toBe(driverB.userId);
    for (const [client, tripId] of [
      [riderA, tripB],
      [riderB, tripA],
      [driverA, tripB],
      [driverB, tripA],
    ] as const) {
      expect((await failure(client.api.trips.byId.query({ tripId }))).code).toBe("NOT_FOUND");
    }

    const mine = await riderA.api.trips.list.query({ limit: 100 });
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((trip) => trip.rider?.id === riderA.userId)).toBe(true);
    const driverList = await driverB.api.trips.list.query({ limit: 100 });
    expect(driverList.items.every((trip) => trip.driver?.id === driverB.userId)).toBe(true);
    expect(driverList.items.map((trip) => trip.id)).toContain(tripB);

    const total = (await t.db.select({ n: count() }).from(trips))[0]!.n;
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const page: Awaited<ReturnType<typeof dispatcher.api.trips.list.query>> = await dispatcher.api.trips.list.query({ limit: 3, cursor });
      seen.push(...page.items.map((trip) => trip.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(total);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    const active = await dispatcher.api.trips.list.query({ status: ["assigned"] });
    expect(active.items.map((trip) => trip.id)).toEqual(expect.arrayContaining([tripA, tripB]));

    await riderA.api.trips.cancel.mutate({ tripId: tripA, reason: "test over" });
    await riderB.api.trips.cancel.mutate({ tripId: tripB, reason: "test over" });
  });

  it("trips.events: each rider and driver gets only their own trips' events; dispatchers get all; resume is exact", async () => {
    const [riderA, riderB, driverA, driverB] = [riders[2]!, riders[3]!, pool[2]!, pool[3]!];
    const streams = { riderA: tripEvents(riderA), riderB: tripEvents(riderB), driverA: tripEvents(driverA), dispatcher: tripEvents(dispatcher) };
    await Promise.all(Object.values(streams).map((stream) => stream.started));

    const tripA = await assignedTrip(riderA, driverA);
    const tripB = await assignedTrip(riderB, driverB);
    await driverB.api.trips.updateStatus.mutate({ tripId: tripB, status: "en_route" });
    await driverA.api.trips.updateStatus.mutate({ tripId: tripA, status: "en_route" });
    await streams.dispatcher.until((items) => tripTypes(items, tripA).length >= 4 && tripTypes(items, tripB).length >= 4);
    const [riderASaw, riderBSaw, driverASaw, dispatcherSaw] = await throughMarkers(t, "trips", [
      { stream: streams.riderA, audience: { riderId: riderA.userId } },
      { stream: streams.riderB, audience: { riderId: riderB.userId } },
      { stream: streams.driverA, audience: { driverId: driverA.userId } },
      { stream: streams.dispatcher, audience: { dispatcherId: dispatcher.userId } },
    ]);

    expect(riderASaw!.every((item) => item.data.tripId === tripA)).toBe(true);
    expect(riderBSaw!.every((item) => item.data.tripId === tripB)).toBe(true);
    expect(tripTypes(riderASaw!)).toEqual(["trip.requested", "trip.searching", "trip.assigned", "trip.status_changed:en_route"]);
    // The driver joins the trip's audience when they win it.
    expect(tripTypes(driverASaw!)).toEqual(["trip.assigned", "trip.status_changed:en_route"]);
    expect(tripTypes(dispatcherSaw!, tripB)).toEqual(["trip.requested", "trip.searching", "trip.assigned", "trip.status_changed:en_route"]);

    // Naming someone else's trip is NOT_FOUND.
    const foreign = tripEvents(riderA, { tripId: tripB });
    await foreign.until((_items) => foreign.errors.length > 0);
    expect(String(foreign.errors[0])).toMatch(/Trip not found/);

    // Resume: riderA drops off, misses two changes, and gets exactly those.
    const lastSeen = streams.riderA.items.at(-1)!.id;
    streams.riderA.stop();
    await driverA.api.trips.updateStatus.mutate({ tripId: tripA, status: "arrived" });
    await driverA.api.trips.updateStatus.mutate({ tripId: tripA, status: "in_progress" });
    const resumed = tripEvents(riderA, { lastEventId: lastSeen });
    await resumed.until((items) => items.length >= 2);
    await driverA.api.trips.updateStatus.mutate({ tripId: tripA, status: "completed" });
    await resumed.until((items) => items.length >= 3);
    const [resumedSaw] = await throughMarkers(t, "trips", [{ stream: resumed, audience: { riderId: riderA.userId } }]);
    expect(tripTypes(resumedSaw!)).toEqual(["trip.status_changed:arrived", "trip.status_changed:in_progress", "trip.status_changed:completed"]);

    await riderB.api.trips.cancel.mutate({ tripId: tripB, reason: "test over" });
  });
});
