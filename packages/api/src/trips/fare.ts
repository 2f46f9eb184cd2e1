import { haversineKm, type LatLng } from "../lib/geo";

/** Flag fall, integer cents. */
const BASE_CENTS = 300;
/** Per straight-line km, integer cents; a little above a per-road-km rate, since roads are longer. */
const PER_KM_CENTS = 180;
/** No ride costs less, integer cents. */
const MINIMUM_CENTS = 700;

/**
 * The fare a rider is quoted and the ride offer pays: a flag fall plus a rate per
 * great-circle km, rounded to whole cents, never below the minimum fare.
 */
export function estimateFareCents(pickup: LatLng, dropoff: LatLng): number {
  return Math.max(MINIMUM_CENTS, Math.round(BASE_CENTS + PER_KM_CENTS * haversineKm(pickup, dropoff)));
}
