import { and, type Availability, between, count, type Database, drivers, eq, inArray, offers, sql, trips, users } from "@convoy/db";
import { boundingBox, haversineKm, type LatLng } from "../lib/geo";

export interface DriverFilter {
  availability?: Availability[];
  near?: LatLng & { radiusKm: number };
  /** When set, each driver gets `distanceKm` to this point (the dispatcher's chosen pickup). */
  distanceFrom?: LatLng;
  limit: number;
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

function present(row: DriverRow, from: LatLng | undefined) {
  const { ratingSum, ratingCount, lat, lng, ...rest } = row;
  const position = lat !== null && lng !== null ? { lat, lng } : null;
  return {
    ...rest,
    position,
    rating: ratingCount > 0 ? Math.round((ratingSum / ratingCount) * 100) / 100 : null,
    ratingCount,
    distanceKm: from && position ? Math.round(haversineKm(from, position) * 100) / 100 : null,
  };
}

export type DriverSummary = ReturnType<typeof present>;

/**
 * Drivers matching the filter. Nearness uses the (availability, lat, lng) index for a
 * bounding box, then haversine for the exact radius, nearest first.
 */
export async function listDrivers(db: Database, filter: DriverFilter): Promise<DriverSummary[]> {
  const conditions = [];
  if (filter.availability?.length) conditions.push(inArray(drivers.availability, filter.availability));
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
  let result = rows.map((row) => present(row, from));
  if (filter.near) {
    const { radiusKm } = filter.near;
    result = result
      .filter((driver) => driver.distanceKm !== null && driver.distanceKm <= radiusKm)
      .sort((a, b) => (a.distanceKm ?? 0) - (b.distanceKm ?? 0))
      .slice(0, filter.limit);
  }
  return result;
}

/** One driver with vehicle and stats, or null. */
export async function getDriverDetails(db: Database, driverId: number) {
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

  return {
    ...present(row, undefined),
    stats: {
      completedTrips: completed?.n ?? 0,
      averageRatePerMileCents: centsPerKm === null ? null : Math.round(centsPerKm * 1.609344),
    },
  };
}

export type DriverDetails = NonNullable<Awaited<ReturnType<typeof getDriverDetails>>>;
