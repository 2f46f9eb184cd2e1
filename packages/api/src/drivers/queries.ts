import {
  and,
  type Availability,
  between,
  count,
  type Database,
  desc,
  drivers,
  eq,
  inArray,
  like,
  notInArray,
  offers,
  or,
  type SQL,
  sql,
  type TripKind,
  type TripStatus,
  trips,
  users,
  type VehicleType,
  vehicleTypes,
} from "@convoy/db";
import { boundingBox, haversineKm, type LatLng } from "../lib/geo";
import { ACTIVE_TRIP_STATUSES } from "../lib/tripStatuses";
import type { PresenceService } from "../presence/service";

export interface DriverFilter {
  availability?: Availability[];
  near?: LatLng & { radiusKm: number };
  /** When set, each driver gets `distanceKm` to this point (the dispatcher's chosen pickup). */
  distanceFrom?: LatLng;
  /** Part of the name, email, phone (spaces and dashes ignored) or vehicle type ("box truck"), any case. */
  search?: string;
  vehicleTypes?: VehicleType[];
  /** Only drivers online now (true) or only those offline (false). */
  online?: boolean;
  limit: number;
}

/** What the driver queries read of presence: in memory, no query. */
export type PresenceLookup = Pick<PresenceService, "isOnline" | "online">;

/** The trip a driver is on now, as the drivers table shows it. */
export interface CurrentTrip {
  id: number;
  kind: TripKind;
  status: TripStatus;
}

const driverColumns = {
  id: users.id,
  name: users.name,
  email: users.email,
  phone: users.phone,
  vehicleType: drivers.vehicleType,
  vehicleLengthCm: drivers.vehicleLengthCm,
  vehicleWidthCm: drivers.vehicleWidthCm,
  vehicleHeightCm: drivers.vehicleHeightCm,
  payloadKg: drivers.payloadKg,
  availability: drivers.availability,
  lat: drivers.lat,
  lng: drivers.lng,
  positionAt: drivers.positionAt,
  lastSeenAt: drivers.lastSeenAt,
  ratingSum: drivers.ratingSum,
  ratingCount: drivers.ratingCount,
};

type DriverRow = {
  [K in keyof typeof driverColumns]: (typeof driverColumns)[K]["_"]["notNull"] extends true
    ? (typeof driverColumns)[K]["_"]["data"]
    : (typeof driverColumns)[K]["_"]["data"] | null;
};

function present(row: DriverRow, from: LatLng | undefined, presence: PresenceLookup, currentTrip: CurrentTrip | null) {
  const { ratingSum, ratingCount, lat, lng, ...rest } = row;
  const position = lat !== null && lng !== null ? { lat, lng } : null;
  return {
    ...rest,
    position,
    rating: ratingCount > 0 ? Math.round((ratingSum / ratingCount) * 100) / 100 : null,
    ratingCount,
    distanceKm: from && position ? Math.round(haversineKm(from, position) * 100) / 100 : null,
    /** Has a socket open now, or had one within the presence grace. */
    online: presence.isOnline(row.id),
    currentTrip,
  };
}

export type DriverSummary = ReturnType<typeof present>;

/** `%text%` for LIKE, with LIKE's own wildcards in `text` matched literally. */
const contains = (text: string) => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

/** The search as SQL: any of name, email, phone or vehicle type matches. */
function searchCondition(search: string): SQL | undefined {
  const term = search.trim().toLowerCase();
  if (term === "") return undefined;
  const digits = term.replace(/[\s-]/g, "");
  const vehicleTerm = term.replace(/_/g, " ").trim();
  const vehicles = vehicleTerm === "" ? [] : vehicleTypes.filter((type) => type.replace("_", " ").includes(vehicleTerm));
  return or(
    like(users.name, contains(term)),
    like(users.email, contains(term)),
    digits === "" ? undefined : like(sql`REPLACE(REPLACE(${users.phone}, ' ', ''), '-', '')`, contains(digits)),
    vehicles.length > 0 ? inArray(drivers.vehicleType, vehicles) : undefined,
  );
}

/** The presence filter as SQL over the ids presence holds in memory. */
function onlineCondition(presence: PresenceLookup, online: boolean): SQL | "none" | undefined {
  const ids = presence.online().flatMap((entry) => (entry.role === "driver" ? [entry.userId] : []));
  if (online) return ids.length > 0 ? inArray(users.id, ids) : "none";
  return ids.length > 0 ? notInArray(users.id, ids) : undefined;
}

/**
 * The active trip of each of these drivers (the newest, in the rare case of two). Only
 * `busy` drivers are asked about: the award makes a driver busy in the transaction that
 * assigns the trip, and they stay busy until their last active trip ends (`releaseDriver`).
 */
async function currentTrips(db: Database, driverIds: number[]): Promise<Map<number, CurrentTrip>> {
  const found = new Map<number, CurrentTrip>();
  if (driverIds.length === 0) return found;
  const rows = await db
    .select({ id: trips.id, driverId: trips.driverId, kind: trips.kind, status: trips.status })
    .from(trips)
    .where(and(inArray(trips.driverId, driverIds), inArray(trips.status, [...ACTIVE_TRIP_STATUSES])))
    .orderBy(desc(trips.id));
  for (const row of rows) {
    if (row.driverId !== null && !found.has(row.driverId)) found.set(row.driverId, { id: row.id, kind: row.kind, status: row.status });
  }
  return found;
}

/**
 * Drivers matching the filter, each with presence (from memory) and the trip they are on.
 * Nearness uses the (availability, lat, lng) index for a bounding box, then haversine for
 * the exact radius, nearest first.
 */
export async function listDrivers(deps: { db: Database; presence: PresenceLookup }, filter: DriverFilter): Promise<DriverSummary[]> {
  const { db, presence } = deps;
  const conditions: (SQL | undefined)[] = [];
  if (filter.availability?.length) conditions.push(inArray(drivers.availability, filter.availability));
  if (filter.vehicleTypes?.length) conditions.push(inArray(drivers.vehicleType, filter.vehicleTypes));
  if (filter.search) conditions.push(searchCondition(filter.search));
  if (filter.online !== undefined) {
    const online = onlineCondition(presence, filter.online);
    if (online === "none") return [];
    conditions.push(online);
  }
  if (filter.near) {
    const box = boundingBox(filter.near, filter.near.radiusKm);
    conditions.push(between(drivers.lat, box.minLat, box.maxLat), between(drivers.lng, box.minLng, box.maxLng));
  }
  const rows = await db
    .select(driverColumns)
    .from(drivers)
    .innerJoin(users, eq(users.id, drivers.userId))
    .where(and(...conditions))
    .orderBy(users.id)
    .limit(filter.near ? 5_000 : filter.limit);

  const from = filter.distanceFrom ?? filter.near;
  let result = rows.map((row) => present(row, from, presence, null));
  if (filter.near) {
    const { radiusKm } = filter.near;
    result = result
      .filter((driver) => driver.distanceKm !== null && driver.distanceKm <= radiusKm)
      .sort((a, b) => (a.distanceKm ?? 0) - (b.distanceKm ?? 0))
      .slice(0, filter.limit);
  }
  const onTrips = await currentTrips(
    db,
    result.flatMap((driver) => (driver.availability === "busy" ? [driver.id] : [])),
  );
  for (const driver of result) driver.currentTrip = onTrips.get(driver.id) ?? null;
  return result;
}

/** One driver with vehicle, stats, presence and current trip, or null. */
export async function getDriverDetails(deps: { db: Database; presence: PresenceLookup }, driverId: number) {
  const { db, presence } = deps;
  const [row] = await db
    .select(driverColumns)
    .from(drivers)
    .innerJoin(users, eq(users.id, drivers.userId))
    .where(eq(drivers.userId, driverId))
    .limit(1);
  if (!row) return null;

  const [completed] = await db
    .select({ n: count() })
    .from(trips)
    .where(and(eq(trips.driverId, driverId), eq(trips.status, "completed")));
  // Average agreed rate per mile over the loads this driver won.
  const [rate] = await db
    .select({
      // MySQL returns DECIMAL arithmetic as a string.
      centsPerKm: sql<string | number | null>`SUM(COALESCE(${offers.agreedRateCents}, ${offers.rateCents})) / NULLIF(SUM(${offers.distanceKm}), 0)`,
    })
    .from(offers)
    .where(and(eq(offers.acceptedDriverId, driverId), inArray(offers.status, ["accepted", "completed"])));
  const centsPerKm = rate?.centsPerKm === null || rate?.centsPerKm === undefined ? null : Number(rate.centsPerKm);

  // Asked whatever the availability: a driver's own view must show their trip even mid-change.
  const onTrip = await currentTrips(db, [driverId]);
  return {
    ...present(row, undefined, presence, onTrip.get(driverId) ?? null),
    stats: {
      completedTrips: completed?.n ?? 0,
      averageRatePerMileCents: centsPerKm === null ? null : Math.round(centsPerKm * 1.609344),
    },
  };
}

export type DriverDetails = NonNullable<Awaited<ReturnType<typeof getDriverDetails>>>;
