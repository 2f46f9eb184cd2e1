import { beforeAll, describe, expect, it } from "vitest";
import { count, drivers, eq, events, tripHistory, trips } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { failure, loadInput } from "./support/offerFixtures";
import { eventually } from "./support/tracking";
import {
  addDrivers,
  addRiders,
  area,
  assignedRide as assignedRideIn,
  offsetKm,
  placeDriver,
  tripEvents,
  tripTypes,
  type Point,
} from "./support/tripFixtures";

// Arrival and completion are guarded by the driver's last known position (100 m by default).
const t = useTestServer({ trips: { searchRadiusKm: 2 } });

let dispatcher: LoggedInClient;
let riders: LoggedInClient[];
let pool: LoggedInClient[];
let nextArea = 1;

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  riders = await addRiders(t, 6);
  pool = await addDrivers(t, 8);
});

/** A ride `rider` requested in a fresh area and `driver` won from 300 m away: status `assigned`. */
const assignedRide = (rider: LoggedInClient, driver: LoggedInClient) => assignedRideIn(t, rider, driver, area(nextArea++));

let clock = Date.now();
/** The driver's phone reports `at`, later than anything known of them before. */
async function report(driver: LoggedInClient, at: Point): Promise<void> {
  clock = Math.max(clock + 1, Date.now());
  await driver.api.tracking.report.mutate({ points: [{ ...at, recordedAt: clock }] });
}

async function tripRow(tripId: number) {
  const [row] = await t.db.select().from(trips).where(eq(trips.id, tripId));
  return row!;
}

/** Rows a refused move could write. */
async function writeCounts() {
  const [tripEvents] = await t.db.select({ n: count() }).from(events);
  const [history] = await t.db.select({ n: count() }).from(tripHistory);
  return { events: tripEvents!.n, history: history!.n };
}

describe("the arrival guard", () => {
  it("refuses arriving away from the pickup, saying how far; the automatic arrival still happens once the driver gets there", async () => {
    const [rider, driver] = [riders[5]!, pool[7]!];
    const { tripId, pickup } = await assignedRide(rider, driver);
    const stream = tripEvents(rider, { tripId, lastEventId: "0" });

    // 1 km short of the pickup: arriving is refused, nothing changes.
    await report(driver, offsetKm(pickup, 1));
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    const before = await writeCounts();
    const far = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: "arrived" }));
    expect(far.code).toBe("PRECONDITION_FAILED");
    expect(far.message).toMatch(/^You are (999 m|1\.0 km) from the pickup\. Arriving needs you within 100 m of it/);
    expect(far.message).toMatch(/reason/);
    expect((await tripRow(tripId)).status).toBe("en_route");
    expect(await writeCounts()).toEqual(before);

    // 60 m from the pickup the server moves it to arrived by itself, with no override.
    await report(driver, offsetKm(pickup, 0.06));
    await stream.until((items) => tripTypes(items).includes("trip.status_changed:arrived"));
    const arrival = stream.items.find((item) => item.data.type === "trip.status_changed" && item.data.to === "arrived")!.data;
    expect(arrival).toMatchObject({ automatic: true, override: null });
    stream.stop();
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
  });

  it("lets arriving and completing through within 100 m of the pickup and dropoff, and refuses completing farther out", async () => {
    const [rider, driver] = [riders[0]!, pool[0]!];
    const { tripId, pickup, dropoff } = await assignedRide(rider, driver);

    // Reported near the pickup before setting off, so the arrival is the driver's own tap.
    await report(driver, offsetKm(pickup, 0.06));
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    const arrived = await driver.api.trips.updateStatus.mutate({ tripId, status: "arrived" });
    expect(arrived.status).toBe("arrived");
    await driver.api.trips.updateStatus.mutate({ tripId, status: "in_progress" });

    // 500 m short of the dropoff: completing is refused; 50 m from it, allowed.
    await report(driver, offsetKm(dropoff, -0.5));
    const early = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: "completed" }));
    expect(early).toMatchObject({ code: "PRECONDITION_FAILED" });
    expect(early.message).toMatch(/^You are (499|500) m from the dropoff\. Marking the ride completed needs you within 100 m of it/);
    expect((await tripRow(tripId)).status).toBe("in_progress");
    await report(driver, offsetKm(dropoff, -0.05));
    const done = await driver.api.trips.updateStatus.mutate({ tripId, status: "completed" });
    expect(done.status).toBe("completed");
    const [driverRow] = await t.db.select({ availability: drivers.availability }).from(drivers).where(eq(drivers.userId, driver.userId));
    expect(driverRow!.availability).toBe("available");

    // Nothing needed overriding, so the history holds nothing and no event carries an override.
    expect(await dispatcher.api.trips.history.query({ tripId })).toEqual([]);
    const stream = tripEvents(dispatcher, { tripId, lastEventId: "0" });
    await stream.until((items) => tripTypes(items).includes("trip.status_changed:completed"));
    expect(stream.items.every((item) => item.data.type !== "trip.status_changed" || item.data.override === null)).toBe(true);
    stream.stop();
  });

  it("lets a move through away from the place with the driver's reason, which the dispatcher sees on the trip's stream and in its history", async () => {
    const [rider, driver] = [riders[1]!, pool[1]!];
    const { tripId, pickup, dropoff } = await assignedRide(rider, driver);
    const watching = tripEvents(dispatcher, { tripId, lastEventId: "0" });
    await watching.started;

    await report(driver, offsetKm(pickup, 3));
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    const before = await writeCounts();
    const refused = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: "arrived" }));
    expect(refused).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/^You are 3\.0 km from the pickup/) as string });
    for (const overrideReason of ["", "   ", "x".repeat(256)]) {
      const refused = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: "arrived", overrideReason }));
      expect(refused.code).toBe("BAD_REQUEST");
      expect(refused.message).toMatch(/overrideReason/);
    }
    expect(await writeCounts()).toEqual(before);

    const arrived = await driver.api.trips.updateStatus.mutate({
      tripId,
      status: "arrived",
      overrideReason: "  Rider is waiting at the back entrance  ",
    });
    expect(arrived.status).toBe("arrived");
    await driver.api.trips.updateStatus.mutate({ tripId, status: "in_progress" });
    await report(driver, offsetKm(dropoff, 11));
    await driver.api.trips.updateStatus.mutate({ tripId, status: "completed", overrideReason: "Phone GPS froze on the highway" });

    await watching.until((items) => tripTypes(items).includes("trip.status_changed:completed"));
    const changes = watching.items.flatMap((item) => (item.data.type === "trip.status_changed" ? [item.data] : []));
    expect(changes.map((change) => [change.to, change.override?.reason ?? null])).toEqual([
      ["en_route", null],
      ["arrived", "Rider is waiting at the back entrance"],
      ["in_progress", null],
      ["completed", "Phone GPS froze on the highway"],
    ]);
    const [atPickup, atDropoff] = changes.filter((change) => change.override !== null).map((change) => change.override!);
    expect(atPickup).toMatchObject({ radiusM: 100 });
    expect(atPickup!.distanceM).toBeGreaterThan(2_950);
    expect(atPickup!.distanceM).toBeLessThan(3_050);
    expect(atDropoff!.distanceM).toBeGreaterThan(10_900);
    expect(atDropoff!.distanceM).toBeLessThan(11_100);
    watching.stop();

    const history = await dispatcher.api.trips.history.query({ tripId });
    expect(history).toMatchObject([
      { type: "guard_override", status: "arrived", reason: "Rider is waiting at the back entrance", radiusM: 100, actor: { id: driver.userId } },
      { type: "guard_override", status: "completed", reason: "Phone GPS froze on the highway", radiusM: 100, actor: { id: driver.userId } },
    ]);
    // The trip's own people may read it too; another rider may not.
    expect(await rider.api.trips.history.query({ tripId })).toHaveLength(2);
    expect((await failure(riders[2]!.api.trips.history.query({ tripId }))).code).toBe("NOT_FOUND");
  });

  it("counts a driver with no known position as away, and records the override without a distance", async () => {
    const [rider, driver] = [riders[2]!, pool[2]!];
    const { tripId } = await assignedRide(rider, driver);
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    // The driver never reported; forget the position the fixture placed them at.
    await t.db.update(drivers).set({ lat: null, lng: null, positionAt: null }).where(eq(drivers.userId, driver.userId));

    const refused = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: "arrived" }));
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toMatch(/^Your position is not known, so it cannot be checked against the pickup\. Arriving needs you within 100 m/);

    await driver.api.trips.updateStatus.mutate({ tripId, status: "arrived", overrideReason: "Location permission was off" });
    expect(await dispatcher.api.trips.history.query({ tripId })).toMatchObject([
      { type: "guard_override", status: "arrived", reason: "Location permission was off", distanceM: null, radiusM: 100 },
    ]);
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
  });

  it("honours a trip's own radius, for the driver's moves and the automatic arrival", async () => {
    const [rider, driver] = [riders[3]!, pool[3]!];
    const { tripId, pickup, dropoff } = await assignedRide(rider, driver);
    const riderStream = tripEvents(rider, { tripId, lastEventId: "0" });

    for (const radiusM of [9, 5_001, 25.5]) {
      expect((await failure(dispatcher.api.trips.setArrivalRadius.mutate({ tripId, radiusM }))).code).toBe("BAD_REQUEST");
    }
    const widened = await dispatcher.api.trips.setArrivalRadius.mutate({ tripId, radiusM: 500 });
    expect(widened.arrivalRadiusM).toBe(500);
    await riderStream.until((items) => items.some((item) => item.data.type === "trip.radius_changed" && item.data.radiusM === 500));

    // 300 m out is inside 500 m: reported while en route, the trip arrives by itself.
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    await report(driver, offsetKm(pickup, 0.3));
    await eventually(async () => ((await tripRow(tripId)).status === "arrived" ? true : undefined), 5_000, "automatic arrival within 500 m");
    await driver.api.trips.updateStatus.mutate({ tripId, status: "in_progress" });

    // Narrowed to 20 m, 50 m from the dropoff is too far; 10 m is close enough.
    await dispatcher.api.trips.setArrivalRadius.mutate({ tripId, radiusM: 20 });
    await report(driver, offsetKm(dropoff, -0.05));
    const refused = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: "completed" }));
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toMatch(/You are 50 m from the dropoff\. .* within 20 m of it/);
    await report(driver, offsetKm(dropoff, -0.01));
    expect((await driver.api.trips.updateStatus.mutate({ tripId, status: "completed" })).status).toBe("completed");

    // An ended trip's radius no longer matters.
    const late = await failure(dispatcher.api.trips.setArrivalRadius.mutate({ tripId, radiusM: 100 }));
    expect(late.code).toBe("CONFLICT");
    expect(late.message).toMatch(/completed/);
    riderStream.stop();
  });

  it("speaks of a load's delivery, not a ride's completion", async () => {
    const driver = pool[4]!;
    await placeDriver(t, driver.userId, offsetKm({ lat: 41.8837, lng: -87.6278 }, 0.05));
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    await driver.api.offers.respond.mutate({ offerId: offer.id, action: "accept" });
    const [load] = await t.db.select().from(trips).where(eq(trips.offerId, offer.id));
    expect(load!.kind).toBe("load");
    for (const status of ["en_route", "arrived", "in_progress"] as const) await driver.api.trips.updateStatus.mutate({ tripId: load!.id, status });
    const refused = await failure(driver.api.trips.updateStatus.mutate({ tripId: load!.id, status: "completed" }));
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toMatch(/Marking the load delivered needs you within 100 m/);
    expect(refused.message).not.toMatch(/rider|ride\b/);
    await dispatcher.api.trips.cancel.mutate({ tripId: load!.id, reason: "test over" });
  });

  it("is for the trip's own driver only; nobody else may move it, override, or set its radius, and nothing is written", async () => {
    const [rider, driver, otherDriver] = [riders[4]!, pool[5]!, pool[6]!];
    const { tripId } = await assignedRide(rider, driver);
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    const before = { ...(await writeCounts()), row: await tripRow(tripId) };

    const move = { tripId, status: "arrived" as const, overrideReason: "I say so" };
    expect((await failure(otherDriver.api.trips.updateStatus.mutate(move))).code).toBe("NOT_FOUND");
    expect((await failure(rider.api.trips.updateStatus.mutate(move))).code).toBe("FORBIDDEN");
    expect((await failure(dispatcher.api.trips.updateStatus.mutate(move))).code).toBe("FORBIDDEN");
    for (const client of [driver, otherDriver, rider]) {
      expect((await failure(client.api.trips.setArrivalRadius.mutate({ tripId, radiusM: 5_000 }))).code).toBe("FORBIDDEN");
    }
    expect((await failure(otherDriver.api.trips.history.query({ tripId }))).code).toBe("NOT_FOUND");
    expect({ ...(await writeCounts()), row: await tripRow(tripId) }).toEqual(before);
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
  });
});
