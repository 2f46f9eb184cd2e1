import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TripOptions } from "@convoy/api/server";
import type { TripTrackingFrame } from "@convoy/api";
import { asc, drivers, eq, offerRecipients, offers, type VehicleType } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { startOsrmStandIn, type OsrmStandIn } from "./support/osrmStandIn";
import { collect, type Collected } from "./support/subscriptions";
import { addDrivers, addRiders, area, offsetKm, placeDriver, rideInput, type Point } from "./support/tripFixtures";

const ROUTING_TIMEOUT_MS = 300;
let standIn: OsrmStandIn;
// The server reads its options when it starts, after the stand-in below has its URL.
const trips: TripOptions = { searchRadiusKm: 3, waveSizes: [1], offerTimeoutSeconds: 30, routingTimeoutMs: ROUTING_TIMEOUT_MS };
beforeAll(async () => {
  standIn = await startOsrmStandIn();
  trips.routingUrl = standIn.url;
});
const t = useTestServer({ trips });
afterAll(() => standIn.close());

let riders: LoggedInClient[];
let pool: LoggedInClient[];
let nextArea = 1;

beforeAll(async () => {
  riders = await addRiders(t, 4);
  pool = await addDrivers(t, 6);
});

async function driverAt(driver: LoggedInClient, vehicle: VehicleType, at: Point): Promise<void> {
  await t.db.update(drivers).set({ vehicleType: vehicle }).where(eq(drivers.userId, driver.userId));
  await placeDriver(t, driver.userId, at);
}

let clock = Date.now();
/** Reports one point for `driver`, each with a later timestamp than the last. */
async function report(driver: LoggedInClient, at: Point): Promise<void> {
  clock = Math.max(clock + 1, Date.now());
  await driver.api.tracking.report.mutate({ points: [{ ...at, recordedAt: clock }] });
}

/** A car ride from a new area that `driver`, `northKm` north of the pickup, won. */
async function assignedTrip(rider: LoggedInClient, driver: LoggedInClient, northKm: number) {
  const centre = area(nextArea++);
  await driverAt(driver, "car", offsetKm(centre, northKm));
  const input = { ...rideInput(centre), vehicleClass: "car" as const };
  const trip = await rider.api.trips.request.mutate(input);
  const [offer] = await t.db.select({ id: offers.id }).from(offers).where(eq(offers.tripId, trip.id));
  await driver.api.offers.respond.mutate({ offerId: offer!.id, action: "accept" });
  return { tripId: trip.id, pickup: input.pickup, dropoff: input.dropoff };
}

function watch(client: LoggedInClient, tripId: number): Collected<TripTrackingFrame> {
  return collect<TripTrackingFrame>((handlers) => client.api.tracking.onTrip.subscribe({ tripId }, handlers));
}

const asLine = (coordinates: [number, number][]) => coordinates.map(([lng, lat]) => ({ lat, lng }));

describe("with a routing engine", () => {
  it("gives the rider the engine's route line and an ETA along it, labelled route", async () => {
    const [rider, driver] = [riders[0]!, pool[0]!];
    const { tripId, pickup, dropoff } = await assignedTrip(rider, driver, 1.2);
    const start = offsetKm(pickup, 1.2, 0.5);
    const stream = watch(rider, tripId);
    await stream.until((frames) => frames.length >= 1);
    await report(driver, start);

    const [routed] = (await stream.until((frames) => frames.some((frame) => frame.etaSource === "route"))).filter(
      (frame) => frame.etaSource === "route",
    );
    const expected = standIn.routeFor(start, pickup);
    expect(routed!.route ?? stream.items.findLast((frame) => frame.route)?.route).toEqual(asLine(expected.coordinates));
    expect(routed).toMatchObject({ target: "pickup", etaSeconds: Math.round(expected.duration), distanceKm: expected.distance / 1_000 });
    // The L-shaped road is longer than the straight line, and slower than a straight-line estimate at 30 km/h would say.
    expect(routed!.distanceKm!).toBeGreaterThan(1.29);
    expect(standIn.asks.some((ask) => ask.from.lat === start.lat && ask.to.lat === pickup.lat)).toBe(true);

    // Halfway down the road's first leg, the ETA is what is left of the route.
    const along = offsetKm(pickup, 0.6, 0.5);
    await report(driver, along);
    const moved = await stream.until((frames) => frames.some((frame) => frame.position?.lat === along.lat && frame.etaSource === "route"));
    const movedFrame = moved.findLast((frame) => frame.position?.lat === along.lat)!;
    expect(movedFrame.etaSeconds!).toBeGreaterThan(expected.duration * 0.45);
    expect(movedFrame.etaSeconds!).toBeLessThan(expected.duration * 0.75);

    // The planned pickup → dropoff route comes from the engine too.
    const planned = await rider.api.routes.trip.query({ tripId });
    const road = standIn.routeFor(pickup, dropoff);
    expect(planned).toEqual({
      source: "route",
      line: asLine(road.coordinates),
      distanceKm: road.distance / 1_000,
      durationSeconds: Math.round(road.duration),
    });
    stream.stop();
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
  });

  it("ranks drivers by the engine's ETA: a nearer car with a slow road loses the first wave", async () => {
    const centre = area(nextArea++);
    const rider = riders[1]!;
    const [nearSlow, farther] = pool.slice(1, 3) as [LoggedInClient, LoggedInClient];
    const nearAt = offsetKm(centre, 0.3);
    await driverAt(nearSlow, "car", nearAt);
    await driverAt(farther, "car", offsetKm(centre, 0, 0.9));
    standIn.slowFrom(nearAt, 0.05, 20);

    const trip = await rider.api.trips.request.mutate({ ...rideInput(centre), vehicleClass: "car" });
    const [wave] = await t.db.select({ id: offers.id }).from(offers).where(eq(offers.tripId, trip.id)).orderBy(asc(offers.id));
    const recipients = await t.db.select({ id: offerRecipients.driverId }).from(offerRecipients).where(eq(offerRecipients.offerId, wave!.id));
    expect(recipients.map((row) => row.id)).toEqual([farther.userId]);
    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
  });
});

describe("when the routing engine is slow or down", () => {
  for (const mode of ["slow", "down"] as const) {
    it(`${mode}: the stream keeps going with estimated ETAs, labelled estimate, and nothing waits past the timeout`, async () => {
      standIn.setMode(mode);
      try {
        const [rider, driver] = [riders[mode === "slow" ? 2 : 3]!, pool[mode === "slow" ? 3 : 4]!];
        const requestedAt = Date.now();
        const { tripId, pickup } = await assignedTrip(rider, driver, 1.5);
        // Ranking the one candidate waited for the engine at most once.
        expect(Date.now() - requestedAt).toBeLessThan(ROUTING_TIMEOUT_MS + 2_000);
        // The engine is really asked and fails (once any pause after an earlier failure is
        // over), and the planned route is the estimate, answered within the timeout.
        const hitsBefore = standIn.hits;
        await expect
          .poll(
            async () => {
              const askedAt = Date.now();
              const planned = await rider.api.routes.trip.query({ tripId });
              expect(Date.now() - askedAt).toBeLessThan(ROUTING_TIMEOUT_MS + 1_000);
              expect(planned).toMatchObject({ source: "estimate", line: [{ lat: pickup.lat, lng: pickup.lng }, expect.anything()] });
              return standIn.hits;
            },
            { timeout: 10_000, interval: 200 },
          )
          .toBeGreaterThan(hitsBefore);

        const stream = watch(rider, tripId);
        await stream.until((frames) => frames.length >= 1);

        const points = [1.5, 1.0, 0.5].map((km) => offsetKm(pickup, km));
        for (const point of points) {
          await report(driver, point);
          await stream.until((frames) => frames.some((frame) => frame.position?.lat === point.lat), 5_000);
        }
        const positions = stream.items.filter((frame) => frame.kind === "position");
        expect(positions.length).toBeGreaterThanOrEqual(3);
        for (const frame of positions) expect(frame.etaSource).toBe("estimate");
        // Straight line × 1.3 at 30 km/h: 156 s per km.
        const last = positions.at(-1)!;
        expect(last.distanceKm).toBeCloseTo(0.5, 1);
        expect(last.etaSeconds!).toBeGreaterThan(70);
        expect(last.etaSeconds!).toBeLessThan(86);
        expect(stream.items.every((frame) => !frame.route)).toBe(true);
        expect(stream.errors).toEqual([]);
        stream.stop();
        await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
      } finally {
        standIn.setMode("up");
      }
    });
  }
});
