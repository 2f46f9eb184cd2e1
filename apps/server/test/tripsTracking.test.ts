import { beforeAll, describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter, TripTrackingFrame } from "@convoy/api";
import { and, eq, locations, offers, trips } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { throughMarkers } from "./support/barrier";
import { collect, type Collected } from "./support/subscriptions";
import { eventually } from "./support/tracking";
import { addDrivers, addRiders, area, offsetKm, placeDriver, rideInput, tripEvents, tripTypes, type Point } from "./support/tripFixtures";

const t = useTestServer({ trips: { searchRadiusKm: 2 } });

let dispatcher: LoggedInClient;
let riders: LoggedInClient[];
let pool: LoggedInClient[];
let nextArea = 40;

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  riders = await addRiders(t, 4);
  pool = await addDrivers(t, 4);
});

/** A ride from `centre` that `driver` won while 1.5 km north of the pickup. */
async function assignedTrip(rider: LoggedInClient, driver: LoggedInClient): Promise<{ tripId: number; pickup: Point; dropoff: Point }> {
  const centre = area(nextArea++);
  await placeDriver(t, driver.userId, offsetKm(centre, 1.5));
  const input = rideInput(centre);
  const trip = await rider.api.trips.request.mutate(input);
  const [offer] = await t.db.select({ id: offers.id }).from(offers).where(eq(offers.tripId, trip.id));
  await driver.api.offers.respond.mutate({ offerId: offer!.id, action: "accept" });
  return { tripId: trip.id, pickup: input.pickup, dropoff: input.dropoff };
}

interface Watch extends Collected<TripTrackingFrame> {
  /** Resolves when the server ended the stream normally. */
  completed: Promise<void>;
}

function watch(client: LoggedInClient, tripId: number): Watch {
  let markCompleted!: () => void;
  const completed = new Promise<void>((resolve) => (markCompleted = resolve));
  const collected = collect<TripTrackingFrame>((handlers) =>
    client.api.tracking.onTrip.subscribe({ tripId }, { ...handlers, onComplete: () => markCompleted() }),
  );
  return Object.assign(collected, { completed });
}

let clock = Date.now();
/** Reports one point for `driver`, each with a later timestamp than the last. */
async function report(driver: LoggedInClient, at: Point): Promise<void> {
  clock = Math.max(clock + 1, Date.now());
  await driver.api.tracking.report.mutate({ points: [{ ...at, recordedAt: clock }] });
}

/** Waits for the first frame whose position is `at`. */
async function frameAt(stream: Watch, at: Point): Promise<TripTrackingFrame> {
  const items = await stream.until((frames) => frames.some((frame) => frame.position?.lat === at.lat && frame.position.lng === at.lng));
  return items.find((frame) => frame.position?.lat === at.lat && frame.position.lng === at.lng)!;
}

async function statusFrame(stream: Watch, status: TripTrackingFrame["status"]): Promise<TripTrackingFrame> {
  const items = await stream.until((frames) => frames.some((frame) => frame.kind === "status" && frame.status === status));
  return items.find((frame) => frame.kind === "status" && frame.status === status)!;
}

async function subscriptionError(stream: Collected<unknown>): Promise<TRPCClientError<AppRouter>> {
  await stream.until(() => stream.errors.length > 0);
  const error = stream.errors[0];
  if (!(error instanceof TRPCClientError)) throw new Error(`unexpected error ${String(error)}`);
  return error as TRPCClientError<AppRouter>;
}

describe("tracking.onTrip", () => {
  it("streams the driver's position with an ETA that shrinks on approach, status changes, and ends after completed", async () => {
    const [rider, driver] = [riders[0]!, pool[0]!];
    const { tripId, pickup, dropoff } = await assignedTrip(rider, driver);
    const stream = watch(rider, tripId);
    const [snapshot] = await stream.until((frames) => frames.length >= 1);
    expect(snapshot).toMatchObject({ kind: "snapshot", tripId, status: "assigned", driverId: driver.userId, target: "pickup" });

    const approach = [1.5, 1.0, 0.5].map((km) => offsetKm(pickup, km));
    const seen: TripTrackingFrame[] = [];
    for (const point of approach) {
      await report(driver, point);
      seen.push(await frameAt(stream, point));
    }
    expect(seen.map((frame) => frame.kind)).toEqual(["position", "position", "position"]);
    expect(seen.map((frame) => frame.distanceKm)).toEqual([1.5, 1, 0.5].map((km) => expect.closeTo(km, 1) as number));
    // No routing engine and no reported speed: 1.3 road km per straight-line km at 30 km/h is 156 s per km.
    expect(seen.map((frame) => frame.etaSource)).toEqual(["estimate", "estimate", "estimate"]);
    expect(seen[0]!.etaSeconds).toBeGreaterThan(225);
    expect(seen[0]!.etaSeconds).toBeLessThan(243);
    expect(seen[1]!.etaSeconds).toBeLessThan(seen[0]!.etaSeconds!);
    expect(seen[2]!.etaSeconds).toBeLessThan(seen[1]!.etaSeconds!);

    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    expect(await statusFrame(stream, "en_route")).toMatchObject({ target: "pickup", position: { lat: approach[2]!.lat } });

    // Within 100 m of the pickup the trip arrives by itself; the ETA now points at the dropoff.
    const atPickup = offsetKm(pickup, 0.04);
    await report(driver, atPickup);
    const arrived = await statusFrame(stream, "arrived");
    expect(arrived.target).toBe("dropoff");
    expect(arrived.distanceKm).toBeCloseTo(2.8, 0);

    await driver.api.trips.updateStatus.mutate({ tripId, status: "in_progress" });
    await statusFrame(stream, "in_progress");
    const nearDropoff = offsetKm(dropoff, -0.3);
    await report(driver, nearDropoff);
    expect((await frameAt(stream, nearDropoff)).distanceKm).toBeCloseTo(0.3, 1);
    // Completing needs the driver within 100 m of the dropoff.
    const atDropoff = offsetKm(dropoff, -0.05);
    await report(driver, atDropoff);
    await frameAt(stream, atDropoff);
    await driver.api.trips.updateStatus.mutate({ tripId, status: "completed" });
    expect(await statusFrame(stream, "completed")).toMatchObject({ target: null, etaSeconds: null });
    await stream.completed;
    expect(stream.errors).toEqual([]);
  });

  it("ends with a clear error for a trip without a driver, or one that has ended", async () => {
    const [rider, driver] = [riders[1]!, pool[1]!];
    const centre = area(nextArea++);
    await placeDriver(t, driver.userId, offsetKm(centre, 0.5));
    const requested = await rider.api.trips.request.mutate(rideInput(centre));
    const early = await subscriptionError(watch(rider, requested.id));
    expect(early.data?.code).toBe("PRECONDITION_FAILED");
    expect(early.message).toMatch(/This trip has no driver yet/);

    await rider.api.trips.cancel.mutate({ tripId: requested.id, reason: "test over" });
    const ended = await subscriptionError(watch(dispatcher, requested.id));
    expect(ended.data?.code).toBe("PRECONDITION_FAILED");
    expect(ended.message).toMatch(/cancelled/);
  });

  it("is for the trip's rider and dispatchers: another rider gets NOT_FOUND, drivers FORBIDDEN", async () => {
    const [rider, otherRider, driver] = [riders[2]!, riders[3]!, pool[2]!];
    const { tripId } = await assignedTrip(rider, driver);
    expect((await subscriptionError(watch(otherRider, tripId))).data?.code).toBe("NOT_FOUND");
    expect((await subscriptionError(watch(driver, tripId))).data?.code).toBe("FORBIDDEN");
    expect((await subscriptionError(watch(pool[3]!, tripId))).data?.code).toBe("FORBIDDEN");

    const dispatcherView = watch(dispatcher, tripId);
    await dispatcherView.until((frames) => frames.length >= 1);
    expect(dispatcherView.items[0]).toMatchObject({ kind: "snapshot", tripId, status: "assigned" });
    // Cancelling ends the stream for everyone watching.
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
    expect(await statusFrame(dispatcherView, "cancelled")).toMatchObject({ kind: "status" });
    await dispatcherView.completed;
  });
});

describe("automatic arrival", () => {
  it("moves an en-route trip to arrived when the driver reports a point within 100 m of the pickup, and tags its points", async () => {
    const [rider, driver] = [riders[1]!, pool[3]!];
    const { tripId, pickup } = await assignedTrip(rider, driver);
    const events = tripEvents(rider, { tripId, lastEventId: "0" });

    // An arrival is decided while its report is handled, so once the report has been answered
    // a marker on the trip's stream comes after any status change it caused.
    const statusChangesBeforeMarker = async () => {
      const [before] = await throughMarkers(t, "trips", [{ stream: events, audience: { tripId, riderId: rider.userId } }]);
      return tripTypes(before!).filter((type) => type.startsWith("trip.status_changed"));
    };

    // Still assigned: being at the pickup is not arriving until the driver set off.
    await report(driver, offsetKm(pickup, 0.02));
    expect(await statusChangesBeforeMarker()).toEqual([]);
    expect((await t.db.select({ status: trips.status }).from(trips).where(eq(trips.id, tripId)))[0]!.status).toBe("assigned");

    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    await report(driver, offsetKm(pickup, 0.3));
    expect(await statusChangesBeforeMarker()).toEqual(["trip.status_changed:en_route"]);
    expect((await t.db.select({ status: trips.status }).from(trips).where(eq(trips.id, tripId)))[0]!.status).toBe("en_route");

    await report(driver, offsetKm(pickup, 0, 0.06));
    const row = await eventually(
      async () => {
        const [current] = await t.db.select().from(trips).where(eq(trips.id, tripId));
        return current?.status === "arrived" ? current : undefined;
      },
      5_000,
      "automatic arrival",
    );
    expect(row.arrivedAt).not.toBeNull();
    await events.until((items) => items.some((item) => item.data.type === "trip.status_changed" && item.data.to === "arrived"));
    const change = events.items.map((item) => item.data).find((event) => event.type === "trip.status_changed" && event.to === "arrived");
    expect(change).toMatchObject({ from: "en_route", to: "arrived", automatic: true });
    // One arrival, and only after the report that came within the radius.
    expect(await statusChangesBeforeMarker()).toEqual(["trip.status_changed:en_route", "trip.status_changed:arrived"]);

    // Points reported during the trip carry its id in `locations`.
    await t.server.services.tracking.flushLocations();
    const tagged = await t.db
      .select({ tripId: locations.tripId })
      .from(locations)
      .where(and(eq(locations.driverId, driver.userId)));
    expect(tagged.length).toBe(3);
    expect(tagged.every((point) => point.tripId === tripId)).toBe(true);
  });
});
