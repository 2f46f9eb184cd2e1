import type { TripView } from "@convoy/api";
import { ACTIVE_TRIP_STATUSES, OPEN_TRIP_STATUSES, tripWords } from "@convoy/api/schemas";

export { OPEN_TRIP_STATUSES };

export type TripStatus = TripView["status"];

/** A trip status as people say it ("En route", not "en_route"), in a ride's or a load's words. */
export function tripStatusLabel(status: TripStatus, kind: TripView["kind"] = "ride"): string {
  return tripWords(kind).status[status];
}

/** Statuses in which a driver is on the trip and can be followed on a map. */
export const TRACKABLE_TRIP_STATUSES = ACTIVE_TRIP_STATUSES;

export function isOpenTrip(status: TripStatus): boolean {
  return (OPEN_TRIP_STATUSES as readonly TripStatus[]).includes(status);
}

export function isTrackableTrip(status: TripStatus): boolean {
  return (TRACKABLE_TRIP_STATUSES as readonly TripStatus[]).includes(status);
}

/** The reason the server gives a ride nobody accepted. */
export const NO_DRIVER_REASON = "no_driver";

/**
 * Time to arrival, precise enough that a moving driver visibly counts down: "45 s",
 * "3 min 05 s" under ten minutes, "25 min", then "1 h 05 min".
 */
export function formatEta(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 10) return `${minutes} min ${String(total % 60).padStart(2, "0")} s`;
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/**
 * An ETA as a rider or dispatcher should read it: "7 min" from a routing engine's route,
 * "≈ 7 min, estimated" when it is a straight-line estimate.
 */
export function formatEtaWithSource(seconds: number, source: "route" | "estimate"): string {
  return source === "route" ? formatEta(seconds) : `≈ ${formatEta(seconds)}, estimated`;
}

/** A short distance: "850 m" under a kilometre, "2.35 km" above. */
export function formatShortDistance(km: number): string {
  if (km < 1) return `${Math.round(km * 1_000)} m`;
  return `${km.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} km`;
}

/** A driver's stars, e.g. "★ 4.5 (12)", or "New driver" before the first rating. */
export function formatDriverRating(rating: number | null, count: number): string {
  return rating === null ? "New driver" : `★ ${rating.toFixed(1)} (${count})`;
}
