import { beforeAll, describe, expect, it } from "vitest";
import type { TripTrackingFrame } from "@convoy/api";
import { and, count, drivers, eq, events, tripHistory, trips } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { addUsers, failure, loadInput } from "./support/offerFixtures";
import { collect } from "./support/subscriptions";
import {
  addDrivers,
  addRiders,
  area,
  assignedRide as assignedRideIn,
  offsetKm,
  placeDriver,
  rideInput,
  tripEvents,
  tripTypes,
  type Point,
} from "./support/tripFixtures";

const t = useTestServer({ trips: { searchRadiusKm: 2 } });

let dispatcher: LoggedInClient;
let riders: LoggedInClient[];
let pool: LoggedInClient[];
let nextArea = 1;

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  riders = await addRiders(t, 8);
  pool = await addDrivers(t, 14);
});

/** A ride `rider` requested in a fresh area and `driver` won from 300 m away: status `assigned`. */
const assignedRide = (rider: LoggedInClient, driver: LoggedInClient) => assignedRideIn(t, rider, driver, area(nextArea++));

/** Puts `driver` available 10 km from `near`, outside every ring, so no ride search offers them anything. */
async function standBy(driver: LoggedInClient, near: Point): Promise<void> {
  await placeDriver(t, driver.userId, offsetKm(near, 10));
}

async function tripRow(tripId: number) {
  const [row] = await t.db.select().from(trips).where(eq(trips.id, tripId));
  return row!;
}

async function availabilityOf(driverId: number) {
  const [row] = await t.db.select({ availability: drivers.availability }).from(drivers).where(eq(drivers.userId, driverId));
  return row!.availability;
}

async function reassignmentsOf(tripId: number): Promise<number> {
  const [row] = await t.db
    .select({ n: count() })
    .from(tripHistory)
    .where(and(eq(tripHistory.tripId, tripId), eq(tripHistory.type, "reassigned")));
  return row!.n;
}

/** Rows a refused reassignment could write. */
async function writeCounts() {
  const [eventRows] = await t.db.select({ n: count() }).from(events);
  const [historyRows] = await t.db.select({ n: count() }).from(tripHistory);
  const availability = await t.db.select({ id: drivers.userId, availability: drivers.availability }).from(drivers);
  return { events: eventRows!.n, history: historyRows!.n, availability };
}

let clock = Date.now();
async function report(driver: LoggedInClient, at: Point): Promise<void> {
  clock = Math.max(clock + 1, Date.now());
  await driver.api.tracking.report.mutate({ points: [{ ...at, recordedAt: clock }] });
}

describe("trips.reassign", () => {
  it("hands the trip to another driver: both drivers, the rider and dispatchers see it live, and the old driver can no longer move it", async () => {
    const [rider, oldDriver, newDriver] = [riders[0]!, pool[0]!, pool[1]!];
    const { tripId, pickup } = await assignedRide(rider, oldDriver);
    await standBy(newDriver, pickup);
    await oldDriver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });

    const streams = {
      oldDriver: tripEvents(oldDriver),
      newDriver: tripEvents(newDriver),
      rider: tripEvents(rider, { tripId, lastEventId: "0" }),
      dispatcher: tripEvents(dispatcher),
    };
    const riderMap = collect<TripTrackingFrame>((handlers) => rider.api.tracking.onTrip.subscribe({ tripId }, handlers));
    await Promise.all([...Object.values(streams).map((stream) => stream.started), riderMap.started]);
    await riderMap.until((frames) => frames.length >= 1);
    expect(riderMap.items[0]).toMatchObject({ kind: "snapshot", driverId: oldDriver.userId });

    const moved = await dispatcher.api.trips.reassign.mutate({
      tripId,
      driverId: newDriver.userId,
      currentDriverId: oldDriver.userId,
      reason: "  Flat tyre  ",
    });
    expect(moved).toMatchObject({ status: "assigned", driver: { id: newDriver.userId }, reassignments: 1, enRouteAt: null });

    // Everyone hears it at once: the driver who lost it through a copy of their own.
    const reassigned = (items: { data: { type: string; tripId: number } }[]) =>
      items.some((item) => item.data.type === "trip.reassigned" && item.data.tripId === tripId);
    for (const stream of Object.values(streams)) await stream.until(reassigned);
    for (const stream of Object.values(streams)) {
      const event = stream.items.find((item) => item.data.type === "trip.reassigned")!.data;
      expect(event).toMatchObject({
        type: "trip.reassigned",
        fromDriverId: oldDriver.userId,
        toDriverId: newDriver.userId,
        reason: "Flat tyre",
        trip: { id: tripId, status: "assigned", driver: { id: newDriver.userId } },
      });
    }

    // The rider's map follows the new driver from now on.
    await riderMap.until((frames) => frames.some((frame) => frame.kind === "driver"));
    expect(riderMap.items.find((frame) => frame.kind === "driver")).toMatchObject({ driverId: newDriver.userId, status: "assigned" });
    const newDriverAt = offsetKm(pickup, 2);
    await report(newDriver, newDriverAt);
    await riderMap.until((frames) => frames.some((frame) => frame.kind === "position" && frame.position?.lat === newDriverAt.lat));

    // The old driver lost the trip: it is no longer theirs to see or move, and they are free.
    expect((await failure(oldDriver.api.trips.updateStatus.mutate({ tripId, status: "arrived", overrideReason: "still here" }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await failure(oldDriver.api.trips.byId.query({ tripId }))).code).toBe("NOT_FOUND");
    expect((await oldDriver.api.trips.list.query({ status: ["assigned", "en_route", "arrived", "in_progress"] })).items).toEqual([]);
    expect(await availabilityOf(oldDriver.userId)).toBe("available");
    expect(await availabilityOf(newDriver.userId)).toBe("busy");

    // The new driver takes it on; the old one hears nothing more of it.
    expect((await newDriver.api.trips.list.query({ status: ["assigned"] })).items.map((trip) => trip.id)).toEqual([tripId]);
    await newDriver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    await streams.rider.until((items) => tripTypes(items).filter((type) => type === "trip.status_changed:en_route").length === 2);
    await streams.newDriver.until((items) => tripTypes(items, tripId).includes("trip.status_changed:en_route"));
    expect(tripTypes(streams.oldDriver.items, tripId)).toEqual(["trip.reassigned"]);

    expect(await dispatcher.api.trips.history.query({ tripId })).toMatchObject([
      {
        type: "reassigned",
        actor: { id: dispatcher.userId },
        fromDriver: { id: oldDriver.userId },
        toDriver: { id: newDriver.userId },
        reason: "Flat tyre",
      },
    ]);
    for (const stream of [...Object.values(streams), riderMap]) stream.stop();
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
  });

  it("keeps a trip in progress in progress, for the new driver to finish at the dropoff", async () => {
    const [rider, oldDriver, newDriver] = [riders[1]!, pool[2]!, pool[3]!];
    const { tripId, pickup, dropoff } = await assignedRide(rider, oldDriver);
    await standBy(newDriver, pickup);
    await report(oldDriver, offsetKm(pickup, 0.05));
    for (const status of ["en_route", "arrived", "in_progress"] as const) await oldDriver.api.trips.updateStatus.mutate({ tripId, status });

    const moved = await dispatcher.api.trips.reassign.mutate({ tripId, driverId: newDriver.userId, currentDriverId: oldDriver.userId });
    expect(moved).toMatchObject({ status: "in_progress", driver: { id: newDriver.userId } });
    expect(moved.arrivedAt).not.toBeNull();
    await report(newDriver, offsetKm(dropoff, 0.02));
    expect((await newDriver.api.trips.updateStatus.mutate({ tripId, status: "completed" })).status).toBe("completed");
    expect(await availabilityOf(newDriver.userId)).toBe("available");
  });

  it("takes only an available driver with no trip on and a suitable vehicle, for a trip that has a driver and has not ended", async () => {
    const [rider, driver, offline, busy, spare] = [riders[2]!, pool[4]!, pool[5]!, pool[6]!, pool[7]!];
    const { tripId, pickup } = await assignedRide(rider, driver);
    await placeDriver(t, offline.userId, offsetKm(pickup, 10), "offline");
    await standBy(spare, pickup);
    const [truck] = (await addUsers(t, "driver", 1)) as [LoggedInClient];
    await standBy(truck, pickup);
    const busyTrip = await assignedRide(riders[3]!, busy);

    const attempt = (driverId: number, currentDriverId = driver.userId) =>
      dispatcher.api.trips.reassign.mutate({ tripId, driverId, currentDriverId });
    const before = { ...(await writeCounts()), row: await tripRow(tripId) };
    const refusals = [
      [await failure(attempt(offline.userId)), /is offline; only an available driver can take over/],
      [await failure(attempt(busy.userId)), /is busy/],
      [await failure(attempt(truck.userId)), /drives a box truck, which does not carry riders/],
      [await failure(attempt(spare.userId, spare.userId)), /was handed to another driver meanwhile; reload it/],
    ] as const;
    for (const [refusal, message] of refusals) {
      expect(refusal.code).toBe("CONFLICT");
      expect(refusal.message).toMatch(message);
    }
    expect((await failure(attempt(dispatcher.userId))).code).toBe("NOT_FOUND");
    expect(
      (await failure(dispatcher.api.trips.reassign.mutate({ tripId: 99_999_999, driverId: spare.userId, currentDriverId: driver.userId }))).code,
    ).toBe("NOT_FOUND");
    for (const input of [
      { tripId, driverId: spare.userId },
      { tripId, driverId: spare.userId, currentDriverId: driver.userId, reason: "x".repeat(256) },
    ]) {
      expect((await failure(dispatcher.api.trips.reassign.mutate(input as never))).code).toBe("BAD_REQUEST");
    }
    expect({ ...(await writeCounts()), row: await tripRow(tripId) }).toEqual(before);

    // A driver available in name but on a trip (a load lined up) is refused too.
    await t.db.update(drivers).set({ availability: "available" }).where(eq(drivers.userId, busy.userId));
    expect((await failure(attempt(busy.userId))).message).toMatch(/is on another trip/);
    await t.db.update(drivers).set({ availability: "busy" }).where(eq(drivers.userId, busy.userId));

    // Handing it to the driver it already has is a harmless no-op.
    expect(await attempt(driver.userId)).toMatchObject({ driver: { id: driver.userId }, reassignments: 0 });

    // Ended trips, and a ride still looking for a driver, cannot change driver.
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
    expect((await failure(attempt(spare.userId))).message).toMatch(/This ride is cancelled; it cannot change driver/);
    await riders[3]!.api.trips.cancel.mutate({ tripId: busyTrip.tripId, reason: "test over" });
    // The spare is in range, so the new ride stays requested with its offer open.
    const searchArea = area(nextArea++);
    await placeDriver(t, spare.userId, offsetKm(searchArea, 0.2));
    const requested = await riders[4]!.api.trips.request.mutate(rideInput(searchArea));
    expect(requested.status).toBe("requested");
    const searching = await failure(
      dispatcher.api.trips.reassign.mutate({ tripId: requested.id, driverId: spare.userId, currentDriverId: spare.userId }),
    );
    expect(searching).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/still being offered to drivers/) as string });
    await riders[4]!.api.trips.cancel.mutate({ tripId: requested.id, reason: "test over" });
    expect(await reassignmentsOf(tripId)).toBe(0);
  });

  it("refuses a load to a vehicle it does not fit", async () => {
    const [truck, smallTruck] = (await addUsers(t, "driver", 2)) as [LoggedInClient, LoggedInClient];
    const van = pool[8]!;
    const loadPickup = { lat: 41.8837, lng: -87.6278 };
    await standBy(van, loadPickup);
    await standBy(smallTruck, loadPickup);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([truck.userId], { weightKg: 2_000 }));
    await truck.api.offers.respond.mutate({ offerId: offer.id, action: "accept" });
    const [load] = await t.db.select().from(trips).where(eq(trips.offerId, offer.id));

    const refused = await failure(dispatcher.api.trips.reassign.mutate({ tripId: load!.id, driverId: van.userId, currentDriverId: truck.userId }));
    expect(refused).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/carries 1400 kg; this load weighs 2000 kg/) as string });
    const moved = await dispatcher.api.trips.reassign.mutate({ tripId: load!.id, driverId: smallTruck.userId, currentDriverId: truck.userId });
    expect(moved).toMatchObject({ kind: "load", driver: { id: smallTruck.userId } });
    await dispatcher.api.trips.cancel.mutate({ tripId: load!.id, reason: "test over" });
  });

  it("is for dispatchers only: drivers and riders get FORBIDDEN and nothing changes", async () => {
    const [rider, driver, spare] = [riders[5]!, pool[9]!, pool[10]!];
    const { tripId, pickup } = await assignedRide(rider, driver);
    await standBy(spare, pickup);
    const before = { ...(await writeCounts()), row: await tripRow(tripId) };
    for (const client of [driver, spare, rider, riders[6]!]) {
      const refused = await failure(client.api.trips.reassign.mutate({ tripId, driverId: spare.userId, currentDriverId: driver.userId }));
      expect(refused.code).toBe("FORBIDDEN");
    }
    expect((await failure(driver.api.trips.cancel.mutate({ tripId, reason: "I quit" }))).code).toBe("FORBIDDEN");
    expect({ ...(await writeCounts()), row: await tripRow(tripId) }).toEqual(before);
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
  });
});

describe("trips.cancel by a dispatcher", () => {
  it("stores the reason, shows it to the driver and the rider live, and puts it in the trip's history", async () => {
    const [rider, driver] = [riders[6]!, pool[11]!];
    const { tripId } = await assignedRide(rider, driver);
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    const driverStream = tripEvents(driver);
    const riderStream = tripEvents(rider, { tripId });
    await Promise.all([driverStream.started, riderStream.started]);

    const cancelled = await dispatcher.api.trips.cancel.mutate({ tripId, reason: "Driver stuck in traffic for an hour" });
    expect(cancelled).toMatchObject({ status: "cancelled", cancelReason: "Driver stuck in traffic for an hour" });
    for (const stream of [driverStream, riderStream]) {
      await stream.until((items) => tripTypes(items, tripId).includes("trip.cancelled"));
      expect(stream.items.find((item) => item.data.type === "trip.cancelled")!.data).toMatchObject({
        by: "dispatcher",
        reason: "Driver stuck in traffic for an hour",
      });
    }
    expect((await rider.api.trips.byId.query({ tripId })).cancelReason).toBe("Driver stuck in traffic for an hour");
    expect(await rider.api.trips.history.query({ tripId })).toMatchObject([
      { type: "cancelled", actor: { id: dispatcher.userId }, reason: "Driver stuck in traffic for an hour", fromDriver: { id: driver.userId } },
    ]);
    expect(await availabilityOf(driver.userId)).toBe("available");
    driverStream.stop();
    riderStream.stop();
  });
});

describe("racing", () => {
  it("two reassignments of one trip to different drivers: exactly one wins, the other is CONFLICT", async () => {
    const [driver, first, second] = [pool[12]!, pool[0]!, pool[1]!];
    for (let round = 0; round < 4; round++) {
      const rider = riders[7]!;
      const { tripId, pickup } = await assignedRide(rider, driver);
      await standBy(first, pickup);
      await standBy(second, pickup);
      const results = await Promise.allSettled(
        [first, second].map((candidate) =>
          dispatcher.api.trips.reassign.mutate({ tripId, driverId: candidate.userId, currentDriverId: driver.userId }),
        ),
      );
      const won = results.flatMap((result, i) => (result.status === "fulfilled" ? [[first, second][i]!] : []));
      expect(won).toHaveLength(1);
      const lost = results.find((result) => result.status === "rejected")!;
      expect(String(lost.reason)).toMatch(/handed to another driver meanwhile|changed meanwhile/);
      const winner = won[0]!;
      const loser = winner === first ? second : first;
      expect((await tripRow(tripId)).driverId).toBe(winner.userId);
      expect(await availabilityOf(winner.userId)).toBe("busy");
      expect(await availabilityOf(loser.userId)).toBe("available");
      expect(await availabilityOf(driver.userId)).toBe("available");
      expect(await reassignmentsOf(tripId)).toBe(1);
      await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
    }
  });

  it("a reassignment racing the driver's completion: exactly one of them happens", async () => {
    const [driver, spare] = [pool[13]!, pool[2]!];
    for (let round = 0; round < 6; round++) {
      const rider = riders[7]!;
      const { tripId, pickup, dropoff } = await assignedRide(rider, driver);
      await standBy(spare, pickup);
      await report(driver, offsetKm(pickup, 0.05));
      for (const status of ["en_route", "arrived", "in_progress"] as const) await driver.api.trips.updateStatus.mutate({ tripId, status });
      await report(driver, dropoff);

      const [completion, reassignment] = await Promise.allSettled([
        driver.api.trips.updateStatus.mutate({ tripId, status: "completed" }),
        dispatcher.api.trips.reassign.mutate({ tripId, driverId: spare.userId, currentDriverId: driver.userId }),
      ]);
      const row = await tripRow(tripId);
      if (completion.status === "fulfilled") {
        expect(reassignment.status).toBe("rejected");
        expect(row).toMatchObject({ status: "completed", driverId: driver.userId, reassignments: 0 });
        expect(await availabilityOf(spare.userId)).toBe("available");
      } else {
        expect(String(completion.reason)).toMatch(/Trip not found/);
        expect(reassignment.status).toBe("fulfilled");
        expect(row).toMatchObject({ status: "in_progress", driverId: spare.userId, reassignments: 1 });
        expect(await availabilityOf(spare.userId)).toBe("busy");
        await dispatcher.api.trips.cancel.mutate({ tripId, reason: "test over" });
      }
      expect(await availabilityOf(driver.userId)).toBe("available");
      expect(await reassignmentsOf(tripId)).toBe(completion.status === "fulfilled" ? 0 : 1);
    }
  });
});
