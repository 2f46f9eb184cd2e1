import type { TripStatus } from "@convoy/db";
import { haversineKm, type LatLng } from "../lib/geo";
import type { EngineRoute } from "../routing/engine";

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

/**
 * Where an ETA came from: `route`, a routing engine's road route and duration; `estimate`,
 * straight-line km times the detour factor at a speed (no engine, or it did not answer).
 */
export type EtaSource = "route" | "estimate";

export interface Eta {
  /** Km to the target, three decimals: along the road for a `route`, great-circle for an `estimate`. */
  distanceKm: number;
  /** Whole seconds. */
  etaSeconds: number;
  source: EtaSource;
}

/** What an estimate assumes. */
export interface EstimateSettings {
  /** Speed when the reported one is unknown or implausible, km/h. */
  citySpeedKmh: number;
  /** Road km per straight-line km. */
  detourFactor: number;
}

/**
 * Straight-line distance times the detour factor over a speed: the driver's reported speed
 * when it is plausible for moving traffic, else the assumed city speed. What a rider sees
 * when there is no routing engine (or it did not answer), labelled as an estimate.
 */
export function estimateEta(from: LatLng, to: LatLng, reportedSpeedMps: number | null, settings: EstimateSettings): Eta {
  const distanceKm = haversineKm(from, to);
  const sensible = reportedSpeedMps !== null && reportedSpeedMps >= MIN_SENSIBLE_SPEED_MPS && reportedSpeedMps <= MAX_SENSIBLE_SPEED_MPS;
  const speedMps = sensible ? reportedSpeedMps : settings.citySpeedKmh / 3.6;
  return {
    distanceKm: Math.round(distanceKm * 1_000) / 1_000,
    etaSeconds: Math.round((distanceKm * settings.detourFactor * 1_000) / speedMps),
    source: "estimate",
  };
}

/** Where a point lies along a line: how far off it (km) and how much of the line is left after it (km). */
export function progressAlong(line: readonly LatLng[], at: LatLng): { offKm: number; remainingKm: number } {
  const cosLat = Math.cos((at.lat * Math.PI) / 180);
  // Local flat projection in km around `at`: fine for the few km of a city route.
  const project = (p: LatLng) => ({ x: (p.lng - at.lng) * 111.32 * cosLat, y: (p.lat - at.lat) * 111.32 });
  const points = line.map(project);
  const lengths = points.slice(1).map((p, i) => Math.hypot(p.x - points[i]!.x, p.y - points[i]!.y));
  let best = { offKm: Number.POSITIVE_INFINITY, segment: 0, t: 0 };
  for (let i = 0; i < lengths.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const length2 = lengths[i]! ** 2;
    // `at` is the origin of the projection.
    const t = length2 === 0 ? 0 : Math.min(1, Math.max(0, -(a.x * (b.x - a.x) + a.y * (b.y - a.y)) / length2));
    const offKm = Math.hypot(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
    if (offKm < best.offKm) best = { offKm, segment: i, t };
  }
  if (lengths.length === 0) return { offKm: points[0] ? Math.hypot(points[0].x, points[0].y) : 0, remainingKm: 0 };
  let remainingKm = lengths[best.segment]! * (1 - best.t);
  for (let i = best.segment + 1; i < lengths.length; i++) remainingKm += lengths[i]!;
  return { offKm: best.offKm, remainingKm };
}

/**
 * The ETA from `at` along a route the engine gave: its duration scaled by the share of the
 * road still ahead (the engine's own speeds, street by street, averaged over what is left).
 */
export function etaAlongRoute(route: EngineRoute, at: LatLng): Eta & { offKm: number } {
  const { offKm, remainingKm } = progressAlong(route.line, at);
  const lineKm = progressAlong(route.line, route.line[0]!).remainingKm;
  const share = lineKm > 0 ? Math.min(1, remainingKm / lineKm) : 0;
  return {
    distanceKm: Math.round(route.distanceKm * share * 1_000) / 1_000,
    etaSeconds: Math.round(route.durationSeconds * share),
    source: "route",
    offKm,
  };
}
