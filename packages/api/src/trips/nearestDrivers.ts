import { and, between, type DbOrTx, drivers, eq, inArray, notExists, offerRecipients, offers, type RideVehicleClass, sql, trips } from "@convoy/db";
import { boundingBox, haversineKm, type LatLng } from "../lib/geo";
import { ACTIVE_TRIP_STATUSES } from "../lib/tripStatuses";
import type { RoutingEngine } from "../routing/engine";
import { estimateEta, type EstimateSettings, type EtaSource } from "./eta";

/** A driver's newest live position, if this process knows one; `recordedAt` in epoch ms. */
export type LivePositionLookup = (driverId: number) => (LatLng & { recordedAt: number }) | undefined;

/**
 * How far a driver can have moved since `drivers.lat/lng` was last synced, km. The SQL box is
 * widened by this much so that a driver whose live position is inside the radius is not lost
 * to a stale row; the exact distance then uses the fresher of the two positions.
 */
const SYNC_DRIFT_KM = 1;
/** Most rows the bounding box may return before the exact filter. @default 5_000 */
const MAX_CANDIDATES = 5_000;
/** Ride classes any passenger vehicle serves: a ride requested without a class. */
const ANY_RIDE_CLASS: readonly RideVehicleClass[] = ["car", "suv", "van"];

export interface NearestDriversQuery {
  centre: LatLng;
  radiusKm: number;
  limit: number;
  /** Only drivers whose vehicle is one of these. */
  vehicleTypes: readonly RideVehicleClass[];
  /** Drivers to leave out (already offered this trip). */
  exclude: ReadonlySet<number>;
  livePosition: LivePositionLookup;
}

export interface NearbyDriver {
  id: number;
  /** Where the driver is, the fresher of the synced row and the live position. */
  position: LatLng;
  /** Great-circle km from the centre. */
  distanceKm: number;
}

/** The vehicle types a ride of this class may go to; a ride without a class, any passenger vehicle. */
export function vehicleTypesFor(vehicleClass: RideVehicleClass | null): readonly RideVehicleClass[] {
  return vehicleClass === null ? ANY_RIDE_CLASS : [vehicleClass];
}

/**
 * The nearest free drivers within `radiusKm` of `centre`, nearest first, at most `limit`:
 * `available`, driving one of `vehicleTypes`, and on no active trip (a driver may have
 * switched themselves to available while on one). Availability comes from MySQL, the
 * authority on it; the range scan runs on the (availability, lat, lng) index, and the exact
 * haversine filter prefers the in-memory live position when it is newer than the row's.
 */
export async function findNearestAvailableDrivers(db: DbOrTx, query: NearestDriversQuery): Promise<NearbyDriver[]> {
  const box = boundingBox(query.centre, query.radiusKm + SYNC_DRIFT_KM);
  const rows = await db
    .select({ id: drivers.userId, lat: drivers.lat, lng: drivers.lng, positionAt: drivers.positionAt })
    .from(drivers)
    .where(
      and(
        eq(drivers.availability, "available"),
        between(drivers.lat, box.minLat, box.maxLat),
        between(drivers.lng, box.minLng, box.maxLng),
        inArray(drivers.vehicleType, [...query.vehicleTypes]),
        notExists(
          db
            .select({ one: sql`1` })
            .from(trips)
            .where(and(eq(trips.driverId, drivers.userId), inArray(trips.status, [...ACTIVE_TRIP_STATUSES]))),
        ),
      ),
    )
    .limit(MAX_CANDIDATES);

  const nearby: NearbyDriver[] = [];
  for (const row of rows) {
    if (query.exclude.has(row.id) || row.lat === null || row.lng === null) continue;
    const live = query.livePosition(row.id);
    const rowAt = row.positionAt?.getTime() ?? Number.NEGATIVE_INFINITY;
    const position = live && live.recordedAt > rowAt ? { lat: live.lat, lng: live.lng } : { lat: row.lat, lng: row.lng };
    const distanceKm = haversineKm(query.centre, position);
    if (distanceKm <= query.radiusKm) nearby.push({ id: row.id, position, distanceKm });
  }
  nearby.sort((a, b) => a.distanceKm - b.distanceKm || a.id - b.id);
  return nearby.slice(0, query.limit);
}

export interface RankedDriver extends NearbyDriver {
  /** Whole seconds to the pickup. */
  etaSeconds: number;
  etaSource: EtaSource;
}

/**
 * Orders drivers by their ETA to `pickup`, fastest first (ties: nearer, then lower id). Each
 * driver's ETA is the routing engine's duration when it answers within its timeout (the
 * calls run at once, so a wave waits at most one timeout), else the straight-line estimate
 * at city speed. Pass only the few nearest candidates: every one is a routing call.
 */
export async function rankByEta(
  candidates: readonly NearbyDriver[],
  pickup: LatLng,
  engine: RoutingEngine,
  estimate: EstimateSettings,
): Promise<RankedDriver[]> {
  const routes = await Promise.all(candidates.map((driver) => engine.route(driver.position, pickup)));
  const ranked = candidates.map((driver, i): RankedDriver => {
    const route = routes[i];
    if (route) return { ...driver, etaSeconds: route.durationSeconds, etaSource: "route" };
    return { ...driver, etaSeconds: estimateEta(driver.position, pickup, null, estimate).etaSeconds, etaSource: "estimate" };
  });
  ranked.sort((a, b) => a.etaSeconds - b.etaSeconds || a.distanceKm - b.distanceKm || a.id - b.id);
  return ranked;
}

/** Every driver a ride offer for this trip has gone to, in any wave. */
export async function driversOfferedTrip(db: DbOrTx, tripId: number): Promise<Set<number>> {
  const rows = await db
    .select({ driverId: offerRecipients.driverId })
    .from(offerRecipients)
    .innerJoin(offers, eq(offers.id, offerRecipients.offerId))
    .where(eq(offers.tripId, tripId));
  return new Set(rows.map((row) => row.driverId));
}
