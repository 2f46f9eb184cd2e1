import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient } from "@convoy/client";
import { asc, drivers, eq, offerRecipients, offers, trips, type VehicleType } from "@convoy/db";
import { prepareDatabase } from "../src";
import { startTestServer, useTestServer, type LoggedInClient } from "./support/harness";
import { throughMarkers } from "./support/barrier";
import { failure, offerEvents, typesOf } from "./support/offerFixtures";
import { addDrivers, addRiders, area, offsetKm, placeDriver, rideInput, tripEvents, tripTypes, type Point } from "./support/tripFixtures";

// One driver per wave and a two-second window, so a whole search takes seconds.
const TRIPS = { searchRadiusKm: 3, waveSizes: [1], offerTimeoutSeconds: 2, maxWaves: 4 };
const t = useTestServer({ trips: TRIPS });

let riders: LoggedInClient[];
let pool: LoggedInClient[];
let nextArea = 1;

beforeAll(async () => {
  riders = await addRiders(t, 8);
  pool = await addDrivers(t, 18);
});

/** `driver` of `vehicle` waiting, available, at `at`. */
async function driverAt(driver: LoggedInClient, vehicle: VehicleType, at: Point): Promise<void> {
  await t.db.update(drivers).set({ vehicleType: vehicle }).where(eq(drivers.userId, driver.userId));
  await placeDriver(t, driver.userId, at);
}

/** Ride offers made for a trip, oldest first, with their recipients' ids. */
async function wavesOf(tripId: number) {
  const rows = await t.db.select().from(offers).where(eq(offers.tripId, tripId)).orderBy(asc(offers.id));
  return Promise.all(
    rows.map(async (offer) => ({
      offer,
      driverIds: (await t.db.select({ id: offerRecipients.driverId }).from(offerRecipients).where(eq(offerRecipients.offerId, offer.id))).map(
        (row) => row.id,
      ),
    })),
  );
}

describe("ride dispatch: nearest suitable driver first", () => {
  it("offers a car ride to the nearest car alone, not to a farther car, a nearer SUV or a nearer box truck, and stores the class", async () => {
    const centre = area(nextArea++);
    const rider = riders[0]!;
    const [near, far, suv, truck] = pool.slice(0, 4) as [LoggedInClient, LoggedInClient, LoggedInClient, LoggedInClient];
    await driverAt(near, "car", offsetKm(centre, 0.3));
    await driverAt(far, "car", offsetKm(centre, 0, 0.9));
    await driverAt(suv, "suv", offsetKm(centre, 0.1));
    await driverAt(truck, "box_truck", offsetKm(centre, 0, -0.05));
    const streams = [near, far, suv, truck].map((driver) => offerEvents(driver));
    await Promise.all(streams.map((stream) => stream.started));

    const trip = await rider.api.trips.request.mutate({ ...rideInput(centre), vehicleClass: "car" });
    expect(trip).toMatchObject({ status: "requested", vehicleClass: "car", searchRing: 0 });
    const [first, ...rest] = await wavesOf(trip.id);
    expect(first!.driverIds).toEqual([near.userId]);
    expect(rest).toEqual([]);

    await streams[0]!.until((items) => typesOf(items).includes("offer.received"));
    const before = await throughMarkers(
      t,
      "offers",
      [far, suv, truck].map((driver, i) => ({ stream: streams[i + 1]!, audience: { driverId: driver.userId } })),
    );
    for (const items of before) expect(typesOf(items)).toEqual([]);

    // The nearest car accepts inside its window and wins.
    await near.api.offers.respond.mutate({ offerId: first!.offer.id, action: "accept" });
    const [row] = await t.db.select().from(trips).where(eq(trips.id, trip.id));
    expect(row).toMatchObject({ status: "assigned", driverId: near.userId, vehicleClass: "car" });
    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
    for (const stream of streams) stream.stop();
  });

  it("never offers a car ride to a box truck, however near, and ends no_driver when only trucks are around", async () => {
    const centre = area(nextArea++);
    const rider = riders[1]!;
    const [truck, flatbed] = pool.slice(4, 6) as [LoggedInClient, LoggedInClient];
    await driverAt(truck, "box_truck", offsetKm(centre, 0.05));
    await driverAt(flatbed, "flatbed", offsetKm(centre, 0.2));
    const truckStream = offerEvents(truck);
    await truckStream.started;

    const trip = await rider.api.trips.request.mutate({ ...rideInput(centre), vehicleClass: "car" });
    expect(trip).toMatchObject({ status: "cancelled", cancelReason: "no_driver" });
    expect(await wavesOf(trip.id)).toEqual([]);

    // A ride requested without a class still goes to passenger vehicles only.
    const anyClass = await rider.api.trips.request.mutate(rideInput(centre));
    expect(anyClass).toMatchObject({ status: "cancelled", cancelReason: "no_driver", vehicleClass: null });
    const [before] = await throughMarkers(t, "offers", [{ stream: truckStream, audience: { driverId: truck.userId } }]);
    expect(typesOf(before!)).toEqual([]);
    truckStream.stop();
  });

  it("offers a van ride to the van, past a nearer car", async () => {
    const centre = area(nextArea++);
    const rider = riders[2]!;
    const [car, van] = pool.slice(6, 8) as [LoggedInClient, LoggedInClient];
    await driverAt(car, "car", offsetKm(centre, 0.1));
    await driverAt(van, "van", offsetKm(centre, 1.2));
    const trip = await rider.api.trips.request.mutate({ ...rideInput(centre), vehicleClass: "van" });
    expect((await wavesOf(trip.id)).map((wave) => wave.driverIds)).toEqual([[van.userId]]);
    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
  });

  it("after the window passes unanswered, offers the next nearest driver, then ends no_driver when nobody is left", async () => {
    const centre = area(nextArea++);
    const rider = riders[3]!;
    const [first, second] = pool.slice(8, 10) as [LoggedInClient, LoggedInClient];
    await driverAt(first, "car", offsetKm(centre, 0.3));
    await driverAt(second, "car", offsetKm(centre, 0.8));
    const riderStream = tripEvents(rider);
    const secondStream = offerEvents(second);
    await Promise.all([riderStream.started, secondStream.started]);

    const trip = await rider.api.trips.request.mutate({ ...rideInput(centre), vehicleClass: "car" });
    await secondStream.until((items) => typesOf(items).includes("offer.received"), 10_000);
    const waves = await wavesOf(trip.id);
    expect(waves.map((wave) => [wave.offer.status, wave.driverIds])).toEqual([
      ["expired", [first.userId]],
      ["open", [second.userId]],
    ]);
    // The second wave went out only once the first one's window had closed.
    expect(waves[1]!.offer.createdAt.getTime()).toBeGreaterThanOrEqual(waves[0]!.offer.expiresAt.getTime() - 1_000);

    // The first driver's offer is over for them: too late to accept.
    expect((await failure(first.api.offers.respond.mutate({ offerId: waves[0]!.offer.id, action: "accept" }))).code).toBe("CONFLICT");

    await riderStream.until((items) => tripTypes(items, trip.id).includes("trip.cancelled"), 15_000);
    expect(tripTypes(riderStream.items, trip.id)).toEqual(["trip.requested", "trip.searching", "trip.searching", "trip.cancelled"]);
    const searches = riderStream.items.map((item) => item.data).filter((event) => event.type === "trip.searching" && event.tripId === trip.id);
    expect(searches.map((event) => (event.type === "trip.searching" ? [event.ring, event.driverCount] : null))).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(riderStream.items.at(-1)!.data).toMatchObject({ type: "trip.cancelled", by: "system", reason: "no_driver" });
    riderStream.stop();
    secondStream.stop();
  });

  it("rejecting moves the ride on at once instead of waiting out the window", async () => {
    const centre = area(nextArea++);
    const rider = riders[4]!;
    const [first, second] = pool.slice(10, 12) as [LoggedInClient, LoggedInClient];
    await driverAt(first, "suv", offsetKm(centre, 0.2));
    await driverAt(second, "suv", offsetKm(centre, 0.4));
    const trip = await rider.api.trips.request.mutate({ ...rideInput(centre), vehicleClass: "suv" });
    const [wave] = await wavesOf(trip.id);
    await first.api.offers.respond.mutate({ offerId: wave!.offer.id, action: "reject" });
    expect((await wavesOf(trip.id)).map((next) => [next.offer.status, next.driverIds])).toEqual([
      ["expired", [first.userId]],
      ["open", [second.userId]],
    ]);
    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
  });

  it("skips a driver on a trip: busy, or shown available while a trip of theirs is still active", async () => {
    const rider = riders[5]!;
    const otherRider = riders[6]!;
    const [onTrip, busy, free] = pool.slice(12, 15) as [LoggedInClient, LoggedInClient, LoggedInClient];

    // `onTrip` wins another ride first; their row then says available (a stale row, or a
    // status written by hand): the active trip still counts.
    const elsewhere = area(nextArea++);
    await driverAt(onTrip, "car", offsetKm(elsewhere, 0.1));
    const earlier = await otherRider.api.trips.request.mutate({ ...rideInput(elsewhere), vehicleClass: "car" });
    const [earlierWave] = await wavesOf(earlier.id);
    await onTrip.api.offers.respond.mutate({ offerId: earlierWave!.offer.id, action: "accept" });
    await t.db.update(drivers).set({ availability: "available" }).where(eq(drivers.userId, onTrip.userId));

    const centre = area(nextArea++);
    await placeDriver(t, onTrip.userId, offsetKm(centre, 0.05));
    await driverAt(busy, "car", offsetKm(centre, 0.1));
    await t.db.update(drivers).set({ availability: "busy" }).where(eq(drivers.userId, busy.userId));
    await driverAt(free, "car", offsetKm(centre, 0.9));
    const [earlierRow] = await t.db.select({ status: trips.status, driverId: trips.driverId }).from(trips).where(eq(trips.id, earlier.id));
    expect(earlierRow).toEqual({ status: "assigned", driverId: onTrip.userId });

    const trip = await rider.api.trips.request.mutate({ ...rideInput(centre), vehicleClass: "car" });
    expect((await wavesOf(trip.id)).map((wave) => wave.driverIds)).toEqual([[free.userId]]);
    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
    await otherRider.api.trips.cancel.mutate({ tripId: earlier.id, reason: "test over" });
  });

  it("refuses a vehicle class that is not a ride class, with nothing written", async () => {
    const rider = riders[7]!;
    const before = (await t.db.select({ id: trips.id }).from(trips)).length;
    for (const vehicleClass of ["box_truck", "bike", ""]) {
      const refused = await failure(rider.api.trips.request.mutate({ ...rideInput(area(nextArea)), vehicleClass } as never));
      expect(refused.code).toBe("BAD_REQUEST");
      expect(refused.message).toContain("vehicleClass must be one of car, suv, van");
    }
    expect((await t.db.select({ id: trips.id }).from(trips)).length).toBe(before);
  });

  it("outlives the instance that started the search: another instance's sweeper offers the next wave", async () => {
    const centre = area(nextArea++);
    const rider = riders[7]!;
    const [first, second] = pool.slice(15, 17) as [LoggedInClient, LoggedInClient];
    await driverAt(first, "car", offsetKm(centre, 0.2));
    await driverAt(second, "car", offsetKm(centre, 0.7));
    const secondStream = offerEvents(second);
    await secondStream.started;

    // A second instance on the same database takes the request, then stops for good.
    const { handle } = await prepareDatabase(t.databaseUrl, { seed: false });
    const other = await startTestServer(handle, {
      trips: TRIPS,
    });
    const { token } = await t.tokenFor(rider.userId, "rider");
    const viaOther = createConvoyClient({ url: other.url, token, WebSocket });
    const trip = await viaOther.api.trips.request.mutate({ ...rideInput(centre), vehicleClass: "car" });
    await viaOther.close();
    await other.shutdown();
    expect((await wavesOf(trip.id)).map((wave) => wave.driverIds)).toEqual([[first.userId]]);

    await secondStream.until((items) => typesOf(items).includes("offer.received"), 10_000);
    expect((await wavesOf(trip.id)).map((wave) => [wave.offer.status, wave.driverIds])).toEqual([
      ["expired", [first.userId]],
      ["open", [second.userId]],
    ]);
    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
    secondStream.stop();
  });
});
