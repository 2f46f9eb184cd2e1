import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createPositionReporter, type PositionReporter } from "@convoy/client";
import type { PlaceEvent, PlaceGeometry } from "@convoy/api";
import { count, eq, inArray, placeVisits, places, trips } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { addUsers, failure } from "./support/offerFixtures";
import { collectFrom, type Collected } from "./support/subscriptions";
import { addDrivers, addRiders, area, assignedRide, offsetKm, tripEvents, tripTypes, type Point } from "./support/tripFixtures";

// Trips in their own patch of map (see `area`); places default to a 2-minute dwell here.
const t = useTestServer({ trips: { searchRadiusKm: 2 }, places: { dwellSeconds: 120 } });

let dispatcher: LoggedInClient;
let otherDispatcher: LoggedInClient;
let riders: LoggedInClient[];
let pool: LoggedInClient[];
let nextArea = 40;
const reporters: PositionReporter[] = [];

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  otherDispatcher = (await addUsers(t, "dispatcher", 1))[0]!;
  riders = await addRiders(t, 3);
  pool = await addDrivers(t, 6);
});
afterAll(() => {
  for (const reporter of reporters.splice(0)) reporter.close();
});

/** A square polygon `halfKm` from `centre` to each side, corners counter-clockwise from south-west. */
function square(centre: Point, halfKm: number): PlaceGeometry {
  return {
    kind: "polygon",
    vertices: [
      offsetKm(centre, -halfKm, -halfKm),
      offsetKm(centre, -halfKm, halfKm),
      offsetKm(centre, halfKm, halfKm),
      offsetKm(centre, halfKm, -halfKm),
    ],
  };
}

type PlaceEventItem = { id: string; data: PlaceEvent };
const placeEvents = (client: LoggedInClient, lastEventId: string | null = "0"): Collected<PlaceEventItem> =>
  collectFrom(client.api.places.events.subscribe, { lastEventId });

/** The visit events of one place and driver, as `type` strings, in arrival order. */
const visitTypes = (items: PlaceEventItem[], placeId: number, driverId?: number) =>
  items
    .map((item) => item.data)
    .filter((event) => "driverId" in event && event.placeId === placeId && (driverId === undefined || event.driverId === driverId))
    .map((event) => event.type);

/** A position reporter for `driver` over the real position socket (closed after the file). */
function reporterFor(driver: LoggedInClient): PositionReporter {
  const reporter = createPositionReporter({ url: t.url, token: driver.token, WebSocket });
  reporters.push(reporter);
  return reporter;
}

/** Reports one point taken at `recordedAt` and waits until the server has it. */
async function reportAt(reporter: PositionReporter, at: Point, recordedAt: number): Promise<void> {
  reporter.report({ ...at, accuracyM: 5, recordedAt });
  await reporter.flush();
}

describe("places", () => {
  it("are shared by dispatchers: one saves a circle and a polygon, the other lists, edits and deletes them", async () => {
    const centre = area(nextArea++);
    const circle = await dispatcher.api.places.create.mutate({
      name: "  North depot ",
      geometry: { kind: "circle", center: centre, radiusM: 250 },
    });
    expect(circle).toMatchObject({ name: "North depot", geometry: { kind: "circle", radiusM: 250 }, dwellSeconds: null, version: 1 });
    const polygon = await dispatcher.api.places.create.mutate({ name: "Acme yard", geometry: square(offsetKm(centre, 2), 0.1), dwellSeconds: 60 });

    const listed = await otherDispatcher.api.places.list.query();
    expect(listed.defaultDwellSeconds).toBe(120);
    expect(listed.places.map((place) => place.id)).toEqual(expect.arrayContaining([circle.id, polygon.id]));

    const edited = await otherDispatcher.api.places.update.mutate({ placeId: circle.id, version: 1, name: "North depot (gate 2)", dwellSeconds: 45 });
    expect(edited).toMatchObject({ name: "North depot (gate 2)", dwellSeconds: 45, version: 2, geometry: circle.geometry });
    expect(await failure(dispatcher.api.places.update.mutate({ placeId: circle.id, version: 1, name: "Stale" }))).toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("changed meanwhile (it is at version 2, you edited version 1)"),
    });

    expect(await otherDispatcher.api.places.delete.mutate({ placeId: polygon.id })).toEqual({ placeId: polygon.id });
    expect((await failure(dispatcher.api.places.delete.mutate({ placeId: polygon.id }))).code).toBe("NOT_FOUND");
    expect((await failure(dispatcher.api.places.update.mutate({ placeId: polygon.id, version: 1, name: "Gone" }))).code).toBe("NOT_FOUND");

    const events = placeEvents(dispatcher);
    await events.until((items) => items.some((item) => item.data.type === "place.deleted" && item.data.placeId === polygon.id));
    const mine = events.items.filter(
      (item) => ("place" in item.data ? item.data.place.id : "placeId" in item.data ? item.data.placeId : 0) === circle.id,
    );
    expect(mine.map((item) => item.data.type)).toEqual(["place.created", "place.updated"]);
    events.stop();
  });

  it("are for dispatchers only", async () => {
    const driver = pool[0]!;
    const rider = riders[0]!;
    const geometry: PlaceGeometry = { kind: "circle", center: area(nextArea++), radiusM: 100 };
    for (const client of [driver, rider]) {
      expect(await failure(client.api.places.create.mutate({ name: "Mine", geometry }))).toMatchObject({
        code: "FORBIDDEN",
        message: expect.stringContaining("Only a dispatcher can do this"),
      });
      expect((await failure(client.api.places.list.query())).code).toBe("FORBIDDEN");
      expect((await failure(client.api.places.delete.mutate({ placeId: 1 }))).code).toBe("FORBIDDEN");
    }
    expect((await failure(t.anonymous().api.places.list.query())).code).toBe("UNAUTHORIZED");
    const stream = placeEvents(driver);
    await stream.until((items) => items.length > 0 || stream.errors.length > 0);
    expect(stream.items).toEqual([]);
    expect(String(stream.errors[0])).toContain("Only a dispatcher can do this");
    stream.stop();
  });

  it("refuses shapes that are not a sane place, saying what is wrong, and writes nothing", async () => {
    const centre = area(nextArea++);
    const [before] = await t.db.select({ n: count() }).from(places);
    const cases: [unknown, string][] = [
      [{ kind: "circle", center: centre, radiusM: 5 }, "radiusM must be at least 20 m"],
      [{ kind: "circle", center: centre, radiusM: 10_001 }, "radiusM must be at most 10000 m"],
      [{ kind: "circle", center: centre, radiusM: 50.5 }, "radiusM must be whole metres"],
      [{ kind: "circle", center: { lat: 91, lng: 0 }, radiusM: 50 }, "latitude must be ≤ 90"],
      [{ kind: "polygon", vertices: [centre, offsetKm(centre, 1)] }, "a polygon needs at least 3 vertices"],
      [
        { kind: "polygon", vertices: Array.from({ length: 65 }, (_, i) => offsetKm(centre, Math.sin(i / 10), Math.cos(i / 10))) },
        "at most 64 vertices",
      ],
      // A bow tie: the second and fourth edges cross.
      [
        { kind: "polygon", vertices: [offsetKm(centre, 0, 0), offsetKm(centre, 0, 1), offsetKm(centre, 1, 0), offsetKm(centre, 1, 1)] },
        "the polygon's edges cross (edge 2 and edge 4)",
      ],
      [{ kind: "polygon", vertices: [centre, centre, offsetKm(centre, 1), offsetKm(centre, 0, 1)] }, "vertices 1 and 2 are the same point"],
      [{ kind: "polygon", vertices: [centre, offsetKm(centre, 1), offsetKm(centre, 2)] }, "a polygon must cover at least 100 m²"],
      [{ kind: "polygon", vertices: [centre, offsetKm(centre, 30), offsetKm(centre, 0, 1)] }, "a polygon may be at most 20 km across"],
      [{ kind: "square", center: centre }, 'geometry.kind must be "circle" or "polygon"'],
    ];
    for (const [geometry, message] of cases) {
      const refused = await failure(dispatcher.api.places.create.mutate({ name: "Bad", geometry: geometry as PlaceGeometry }));
      expect(refused, JSON.stringify(geometry)).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining(message) });
    }
    const circle: PlaceGeometry = { kind: "circle", center: centre, radiusM: 100 };
    expect(await failure(dispatcher.api.places.create.mutate({ name: " ", geometry: circle }))).toMatchObject({
      message: expect.stringContaining("name is required"),
    });
    expect(await failure(dispatcher.api.places.create.mutate({ name: "x".repeat(81), geometry: circle }))).toMatchObject({
      message: expect.stringContaining("at most 80 characters"),
    });
    expect(await failure(dispatcher.api.places.create.mutate({ name: "Quick", geometry: circle, dwellSeconds: 5 }))).toMatchObject({
      message: expect.stringContaining("dwellSeconds must be at least 10"),
    });
    const [after] = await t.db.select({ n: count() }).from(places);
    expect(after!.n).toBe(before!.n);
  });
});

describe("geofence events, from reports over the position socket", () => {
  it("entering, dwelling in and leaving a circle are place events with the driver's point times; a resume gets exactly what followed", async () => {
    const centre = area(nextArea++);
    const driver = pool[1]!;
    const bystander = pool[2]!;
    const place = await dispatcher.api.places.create.mutate({
      name: "Customer site",
      geometry: { kind: "circle", center: centre, radiusM: 150 },
      dwellSeconds: 30,
    });
    const stream = placeEvents(dispatcher);
    const reporter = reporterFor(driver);
    const base = Date.now() - 120_000;
    const at = (seconds: number) => base + seconds * 1_000;

    await reportAt(reporter, offsetKm(centre, 1), at(0));
    // Someone else passing nearby, outside it, says nothing.
    await reportAt(reporterFor(bystander), offsetKm(centre, 0.2), at(1));
    await reportAt(reporter, offsetKm(centre, 0.1), at(10));
    await stream.until((items) => visitTypes(items, place.id).length === 1);
    // 20 s inside: not yet dwelling (30 s); 35 s: dwelling; then out.
    await reportAt(reporter, offsetKm(centre, 0.05), at(30));
    await reportAt(reporter, centre, at(45));
    await stream.until((items) => visitTypes(items, place.id).length === 2);
    await reportAt(reporter, offsetKm(centre, -0.5), at(60));
    await stream.until((items) => visitTypes(items, place.id).length === 3);

    expect(visitTypes(stream.items, place.id)).toEqual(["place.entered", "place.dwelled", "place.left"]);
    const visits = stream.items.filter((item) => "driverId" in item.data && item.data.placeId === place.id);
    const [entered, dwelled, left] = visits.map((item) => item.data);
    const iso = (seconds: number) => new Date(at(seconds)).toISOString();
    expect(entered).toMatchObject({ driverId: driver.userId, placeName: "Customer site", point: { recordedAt: iso(10) } });
    expect(dwelled).toMatchObject({ driverId: driver.userId, enteredAt: iso(10), dwellSeconds: 30, point: { recordedAt: iso(45) } });
    expect(left).toMatchObject({ driverId: driver.userId, enteredAt: iso(10), point: { recordedAt: iso(60) } });
    expect(visitTypes(stream.items, place.id, bystander.userId)).toEqual([]);
    const [open] = await t.db.select({ n: count() }).from(placeVisits).where(eq(placeVisits.placeId, place.id));
    expect(open!.n).toBe(0);
    stream.stop();

    // Resuming after the entry gets the dwell and the exit, nothing before and nothing twice.
    const resumed = placeEvents(otherDispatcher, visits[0]!.id);
    await resumed.until((items) => visitTypes(items, place.id).length === 2);
    expect(visitTypes(resumed.items, place.id)).toEqual(["place.dwelled", "place.left"]);
    expect(resumed.items.filter((item) => "driverId" in item.data && item.data.placeId === place.id).map((item) => item.id)).toEqual([
      visits[1]!.id,
      visits[2]!.id,
    ]);
    expect(resumed.items.every((item) => Number(item.id) > Number(visits[0]!.id))).toBe(true);
    resumed.stop();
  });

  it("follows a polygon's edges, not its rectangle: a point in the notch of an L is outside", async () => {
    const corner = area(nextArea++);
    const driver = pool[3]!;
    // An L: 400 m × 400 m with the north-east 200 m × 200 m cut out.
    const geometry: PlaceGeometry = {
      kind: "polygon",
      vertices: [
        corner,
        offsetKm(corner, 0, 0.4),
        offsetKm(corner, 0.2, 0.4),
        offsetKm(corner, 0.2, 0.2),
        offsetKm(corner, 0.4, 0.2),
        offsetKm(corner, 0.4, 0),
      ],
    };
    const place = await dispatcher.api.places.create.mutate({ name: "L-shaped yard", geometry });
    const stream = placeEvents(dispatcher);
    const reporter = reporterFor(driver);
    const base = Date.now() - 60_000;

    await reportAt(reporter, offsetKm(corner, 0.3, 0.3), base);
    await reportAt(reporter, offsetKm(corner, 0.3, 0.1), base + 1_000);
    await stream.until((items) => visitTypes(items, place.id).length === 1);
    const [entered] = stream.items.filter((item) => "driverId" in item.data && item.data.placeId === place.id);
    expect(entered!.data).toMatchObject({ type: "place.entered", point: { recordedAt: new Date(base + 1_000).toISOString() } });
    stream.stop();
  });

  it("ends a visit recorded elsewhere (another instance, a restart) with place.left when the driver's reports arrive outside it", async () => {
    const centre = area(nextArea++);
    const driver = pool[4]!;
    const place = await dispatcher.api.places.create.mutate({ name: "Depot", geometry: { kind: "circle", center: centre, radiusM: 100 } });
    const enteredAt = new Date(Date.now() - 300_000);
    await t.db.insert(placeVisits).values({ driverId: driver.userId, placeId: place.id, enteredAt, dwelled: true });
    const stream = placeEvents(dispatcher);

    await reportAt(reporterFor(driver), offsetKm(centre, 3), Date.now() - 1_000);
    await stream.until((items) => visitTypes(items, place.id).length === 1);
    const [left] = stream.items.filter((item) => "driverId" in item.data && item.data.placeId === place.id);
    expect(left!.data).toMatchObject({ type: "place.left", driverId: driver.userId, enteredAt: enteredAt.toISOString() });
    stream.stop();
  });
});

describe("a place guarding a trip's ends", () => {
  it("replaces the arrival radius: arriving needs the driver inside it, by hand or automatically, and completing inside the dropoff's", async () => {
    const [rider, driver] = [riders[1]!, pool[5]!];
    const { tripId, pickup, dropoff } = await assignedRide(t, rider, driver, area(nextArea++));
    // The loading dock is 300 m north of the pickup's address; the dropoff's gate 1 km south of its.
    const dockCentre = offsetKm(pickup, 0.3);
    const dock = await dispatcher.api.places.create.mutate({ name: "Loading dock", geometry: square(dockCentre, 0.05) });
    const gate = await dispatcher.api.places.create.mutate({
      name: "Gate",
      geometry: { kind: "circle", center: offsetKm(dropoff, -1), radiusM: 80 },
    });

    expect(await failure(dispatcher.api.trips.setArrivalPlace.mutate({ tripId }))).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("give pickupPlaceId or dropoffPlaceId"),
    });
    expect(await failure(dispatcher.api.trips.setArrivalPlace.mutate({ tripId, pickupPlaceId: 999_999 }))).toMatchObject({
      code: "NOT_FOUND",
      message: "Place 999999 not found",
    });
    expect((await failure(driver.api.trips.setArrivalPlace.mutate({ tripId, pickupPlaceId: dock.id }))).code).toBe("FORBIDDEN");
    const linked = await dispatcher.api.trips.setArrivalPlace.mutate({ tripId, pickupPlaceId: dock.id, dropoffPlaceId: gate.id });
    expect(linked).toMatchObject({ pickupPlaceId: dock.id, dropoffPlaceId: gate.id });
    expect(await failure(dispatcher.api.places.delete.mutate({ placeId: dock.id }))).toMatchObject({
      code: "CONFLICT",
      message: `Trip #${tripId} is still guarded by "Loading dock"; unlink it from the trip first`,
    });

    const stream = tripEvents(rider, { tripId, lastEventId: "0" });
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    // At the pickup's own address, which the radius would accept: not in the dock.
    const reporter = reporterFor(driver);
    await reportAt(reporter, pickup, Date.now());
    const outside = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: "arrived" }));
    expect(outside.code).toBe("PRECONDITION_FAILED");
    expect(outside.message).toMatch(/^You are 2\d\d m outside "Loading dock", the place at the pickup\. Arriving needs you inside it/);
    expect((await t.db.select({ status: trips.status }).from(trips).where(eq(trips.id, tripId)))[0]!.status).toBe("en_route");

    // Inside the dock the trip arrives by itself.
    await reportAt(reporter, offsetKm(dockCentre, 0.02, 0.02), Date.now());
    await stream.until((items) => tripTypes(items).includes("trip.status_changed:arrived"));
    const arrival = stream.items.find((item) => item.data.type === "trip.status_changed" && item.data.to === "arrived")!.data;
    expect(arrival).toMatchObject({ automatic: true, override: null });
    expect(tripTypes(stream.items)).toContain("trip.places_changed");

    // Completing at the dropoff's address is outside the gate: refused, then let through with a reason.
    await driver.api.trips.updateStatus.mutate({ tripId, status: "in_progress" });
    await reportAt(reporter, dropoff, Date.now());
    const early = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: "completed" }));
    expect(early.message).toMatch(/^You are 9\d\d m outside "Gate", the place at the dropoff\. Marking the ride completed needs you inside it/);
    await driver.api.trips.updateStatus.mutate({ tripId, status: "completed", overrideReason: "Gate closed; dropped at the front door" });
    await stream.until((items) => tripTypes(items).includes("trip.status_changed:completed"));
    const completed = stream.items.find((item) => item.data.type === "trip.status_changed" && item.data.to === "completed")!.data;
    expect(completed).toMatchObject({ override: { reason: "Gate closed; dropped at the front door", radiusM: null, placeId: gate.id } });
    stream.stop();

    // Once the trip is over the place may go; the trip forgets it.
    await dispatcher.api.places.delete.mutate({ placeId: dock.id });
    expect((await t.db.select({ id: trips.pickupPlaceId }).from(trips).where(eq(trips.id, tripId)))[0]!.id).toBeNull();
  });
});

describe("the number of places", () => {
  it("stops at 500, saying so", async () => {
    const [saved] = await t.db.select({ n: count() }).from(places);
    const centre = area(nextArea++);
    const fill = Array.from({ length: 500 - saved!.n }, (_, i) => ({
      name: `Filler ${i}`,
      geometry: { kind: "circle" as const, center: offsetKm(centre, i * 0.01), radiusM: 50 },
      updatedAt: new Date(),
    }));
    await t.db.insert(places).values(fill);
    expect(
      await failure(dispatcher.api.places.create.mutate({ name: "One too many", geometry: { kind: "circle", center: centre, radiusM: 50 } })),
    ).toMatchObject({
      code: "CONFLICT",
      message: "There are already 500 places, the most Convoy keeps; delete one first",
    });
    await t.db.delete(places).where(
      inArray(
        places.name,
        fill.map((row) => row.name),
      ),
    );
  });
});
