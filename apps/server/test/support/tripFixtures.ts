import type { RouterInputs, TripEvent } from "@convoy/api";
import { drivers, eq, offers, type Availability } from "@convoy/db";
import type { LoggedInClient, TestServer } from "./harness";
import { createExtraUsers, loginExtra } from "./fixtures";
import { collect, type Collected } from "./subscriptions";

export interface Point {
  lat: number;
  lng: number;
}

const KM_PER_DEGREE_LAT = 111.32;

/** The point `northKm` north and `eastKm` east of `from` (flat-earth offsets; fine for a few km). */
export function offsetKm(from: Point, northKm: number, eastKm = 0): Point {
  return {
    lat: from.lat + northKm / KM_PER_DEGREE_LAT,
    lng: from.lng + eastKm / (KM_PER_DEGREE_LAT * Math.cos((from.lat * Math.PI) / 180)),
  };
}

/**
 * A test's own patch of map, far from the seeded Chicago drivers and from every other
 * test's patch (1° of latitude apart), so only the drivers a test places there are near.
 */
export function area(n: number): Point {
  return { lat: 30 + n, lng: -100 };
}

/** A ride request from `pickup` to a dropoff about 3 km north-east of it. */
export function rideInput(pickup: Point, address = "Pickup"): RouterInputs["trips"]["request"] {
  return { pickup: { address, ...pickup }, dropoff: { address: "Dropoff", ...offsetKm(pickup, 2, 2) } };
}

/**
 * Puts drivers at a position with an availability, as the fixtures the API cannot set up
 * (a driver's reported position reaches `drivers` only through the periodic sync). The
 * position is stamped now, so it is newer than anything the server holds in memory.
 */
export async function placeDriver(
  t: TestServer,
  driverId: number,
  at: Point,
  availability: Availability = "available",
  positionAt = new Date(),
): Promise<void> {
  await t.db.update(drivers).set({ lat: at.lat, lng: at.lng, positionAt, availability }).where(eq(drivers.userId, driverId));
}

/** A ride a rider requested and a driver won, with its two ends. */
export interface AssignedRide {
  tripId: number;
  pickup: Point;
  dropoff: Point;
}

/**
 * A ride `rider` requested at `centre` and `driver` won from 300 m away: status `assigned`.
 * `centre` should be the test's own `area`, so no other driver is near enough to be offered it.
 */
export async function assignedRide(t: TestServer, rider: LoggedInClient, driver: LoggedInClient, centre: Point): Promise<AssignedRide> {
  await placeDriver(t, driver.userId, offsetKm(centre, 0.3));
  const input = rideInput(centre);
  const trip = await rider.api.trips.request.mutate(input);
  const [offer] = await t.db.select({ id: offers.id }).from(offers).where(eq(offers.tripId, trip.id));
  if (!offer) throw new Error(`trip ${trip.id} was offered to nobody`);
  await driver.api.offers.respond.mutate({ offerId: offer.id, action: "accept" });
  return { tripId: trip.id, pickup: input.pickup, dropoff: input.dropoff };
}

/** `n` extra riders, logged in. */
export async function addRiders(t: TestServer, n: number): Promise<LoggedInClient[]> {
  const created = await createExtraUsers(t.db, "rider", n, "trip-rider");
  return Promise.all(created.map((user) => loginExtra(t, user.email)));
}

/**
 * `n` extra drivers, logged in, with no position (so no search finds them until a test
 * places them) and `offline`.
 */
export async function addDrivers(t: TestServer, n: number): Promise<LoggedInClient[]> {
  const created = await createExtraUsers(t.db, "driver", n, "trip-driver");
  const clients = await Promise.all(created.map((user) => loginExtra(t, user.email)));
  for (const client of clients) {
    await t.db.update(drivers).set({ lat: null, lng: null, positionAt: null, availability: "offline" }).where(eq(drivers.userId, client.userId));
  }
  return clients;
}

/** What `trips.events` delivers: the tracked id and the typed event. */
export type TripEventItem = { id: string; data: TripEvent };

/** Subscribes to `trips.events` and collects what arrives. */
export function tripEvents(client: LoggedInClient, input: RouterInputs["trips"]["events"] = {}): Collected<TripEventItem> {
  return collect<TripEventItem>((handlers) => client.api.trips.events.subscribe(input, handlers));
}

/** The events of one trip in arrival order, as `type` strings (with `to` for status changes). */
export function tripTypes(items: TripEventItem[], tripId?: number): string[] {
  return items
    .filter((item) => tripId === undefined || item.data.tripId === tripId)
    .map((item) => (item.data.type === "trip.status_changed" ? `${item.data.type}:${item.data.to}` : item.data.type));
}
