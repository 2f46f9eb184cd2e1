import type { TripStatus } from "@convoy/db";
import { haversineKm, type LatLng } from "../lib/geo";

/** Slower than this, a reported speed says "stopped at a light", not how fast the trip goes: 2 m/s (7 km/h). */
const MIN_SENSIBLE_SPEED_MPS = 2;
/** Faster than this is not a city trip: 40 m/s (144 km/h). */
const MAX_SENSIBLE_SPEED_MPS = 40;

/** Where the driver is heading: the pickup until they arrive, then the dropoff; nowhere once it ended. */
export function etaTarget(status: TripStatus): "pickup" | "dropoff" | null {
  switch (status) {
    case "assigned":
    case "en_route":
      return "pickup";
    case "arrived":
    case "in_progress":
      return "dropoff";
    default:
      return null;
  }
}

export interface Eta {
  /** Great-circle km to the target, three decimals. */
  distanceKm: number;
  /** Whole seconds. */
  etaSeconds: number;
}

/**
 * Straight-line distance over a speed: the driver's reported speed when it is plausible
 * for moving traffic, else the assumed city speed. An estimate for a rider's screen, not
 * routing: it knows nothing of roads.
 */
export function estimateEta(from: LatLng, to: LatLng, reportedSpeedMps: number | null, citySpeedKmh: number): Eta {
  const distanceKm = haversineKm(from, to);
  const sensible = reportedSpeedMps !== null && reportedSpeedMps >= MIN_SENSIBLE_SPEED_MPS && reportedSpeedMps <= MAX_SENSIBLE_SPEED_MPS;
  const speedMps = sensible ? reportedSpeedMps : citySpeedKmh / 3.6;
  return { distanceKm: Math.round(distanceKm * 1_000) / 1_000, etaSeconds: Math.round((distanceKm * 1_000) / speedMps) };
}
