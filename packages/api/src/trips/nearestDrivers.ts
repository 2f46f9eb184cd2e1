import { and, between, type DbOrTx, drivers, eq, offerRecipients, offers } from "@convoy/db";
import { boundingBox, haversineKm, type LatLng } from "../lib/geo";

/** A driver's newest live position, if this process knows one; `recordedAt` in epoch ms. */
export type LivePositionLookup = (driverId: number) => (LatLng & { recordedAt: number }) | undefined;

/**
 * How far a driver can have moved since `drivers.lat/lng` was last synced, km. The SQL box is
 * widened by this much so that a driver whose live position is inside the ring is not lost
 * to a stale row; the exact distance then uses the fresher of the two positions.
 */
const SYNC_DRIFT_KM = 1;
/** Most rows the bounding box may return before the exact filter. @default 5_000 */
const MAX_CANDIDATES = 5_000;

export interface NearestDriversQuery {
  centre: LatLng;
  radiusKm: number;
  limit: number;
  /** Drivers to leave out (already offered this trip). */
  exclude: ReadonlySet<number>;
  livePosition: LivePositionLookup;
}

export interface NearbyDriver {
  id: number;
  /** Great-circle km from the centre. */
  distanceKm: number;
}

/**
 * The nearest `available` drivers within `radiusKm` of `centre`, nearest first, at most
 * `limit`. Availability comes from MySQL, the authority on it; the range scan runs on the
 * (availability, lat, lng) index, and the exact haversine filter prefers the in-memory live
 * position when it is newer than the row's.
 */
export async function findNearestAvailableDrivers(db: DbOrTx, query: NearestDriversQuery): Promise<NearbyDriver[]> {
  const box = boundingBox(query.centre, query.radiusKm + SYNC_DRIFT_KM);
  const rows = await db
    .select({ id: drivers.userId, lat: drivers.lat, lng: drivers.lng, positionAt: drivers.positionAt })
    .from(drivers)
    .where(and(eq(drivers.availability, "available"), between(drivers.lat, box.minLat, box.maxLat), between(drivers.lng, box.minLng, box.maxLng)))
    .limit(MAX_CANDIDATES);

  const nearby: NearbyDriver[] = [];
  for (const row of rows) {
    if (query.exclude.has(row.id) || row.lat === null || row.lng === null) continue;
    const live = query.livePosition(row.id);
    const rowAt = row.positionAt?.getTime() ?? Number.NEGATIVE_INFINITY;
    const position = live && live.recordedAt > rowAt ? live : { lat: row.lat, lng: row.lng };
    const distanceKm = haversineKm(query.centre, position);
    if (distanceKm <= query.radiusKm) nearby.push({ id: row.id, distanceKm });
  }
  nearby.sort((a, b) => a.distanceKm - b.distanceKm || a.id - b.id);
  return nearby.slice(0, query.limit);
}

/** Every driver a ride offer for this trip has gone to, in any ring. */
export async function driversOfferedTrip(db: DbOrTx, tripId: number): Promise<Set<number>> {
  const rows = await db
    .select({ driverId: offerRecipients.driverId })
    .from(offerRecipients)
    .innerJoin(offers, eq(offers.id, offerRecipients.offerId))
    .where(eq(offers.tripId, tripId));
  return new Set(rows.map((row) => row.driverId));
}
