/** How ride requests are dispatched and tracked; every field has a production default. */
export interface TripOptions {
  /**
   * Farthest a driver may be from the pickup, in straight-line km, to be offered a ride.
   * @default 20
   */
  searchRadiusKm?: number;
  /**
   * How many drivers each successive wave of a ride's search is offered to, nearest by ETA
   * first; the last entry repeats. The first wave goes to the single nearest driver, so
   * they normally win; later waves widen to a few at once so the rider does not wait long.
   * @default [1, 2, 3]
   */
  waveSizes?: number[];
  /** Waves a search makes before the ride ends `no_driver`. @default 6 */
  maxWaves?: number;
  /** How long each wave's ride offer stays open before the next wave, in whole seconds. @default 12 */
  offerTimeoutSeconds?: number;
  /**
   * Candidates (nearest by straight line) whose ETA to the pickup is asked of the routing
   * engine before each wave; the wave is the fastest of them. Bounds the routing calls a
   * wave makes. @default 8
   */
  routedCandidates?: number;
  /** A driver on the way who reports a point this close to the pickup has arrived, in metres. @default 100 */
  arrivalRadiusM?: number;
  /**
   * Speed assumed for estimated ETAs (no routing engine, or it did not answer) when the
   * driver's reported speed is unknown or implausible, km/h. @default 30
   */
  citySpeedKmh?: number;
  /**
   * Roads are longer than the straight line: an estimated ETA drives straight-line km times
   * this; 1.3 is typical of a city street grid.
   * @default 1.3
   */
  detourFactor?: number;
  /**
   * Base URL of an OSRM-compatible HTTP API (its `route` service) for route lines and
   * durations, e.g. `http://127.0.0.1:5000`; null estimates every ETA. @default null
   */
  routingUrl?: string | null;
  /** Longest wait for one routing answer before the estimate is used instead, in ms. @default 1_000 */
  routingTimeoutMs?: number;
  /**
   * `tracking.onTrip` position frames go out in rounds this far apart, all due riders at
   * once (see `MoveNotices`); 0 sends each as its report lands. In ms. @default 50
   */
  trackingRoundMs?: number;
}

export type TripSettings = Required<TripOptions>;

/** Fills in defaults and refuses settings that would make dispatch meaningless. */
export function tripSettings(options: TripOptions = {}): TripSettings {
  const settings: TripSettings = {
    searchRadiusKm: options.searchRadiusKm ?? 20,
    waveSizes: options.waveSizes ?? [1, 2, 3],
    maxWaves: options.maxWaves ?? 6,
    offerTimeoutSeconds: options.offerTimeoutSeconds ?? 12,
    routedCandidates: options.routedCandidates ?? 8,
    arrivalRadiusM: options.arrivalRadiusM ?? 100,
    citySpeedKmh: options.citySpeedKmh ?? 30,
    detourFactor: options.detourFactor ?? 1.3,
    routingUrl: options.routingUrl ?? null,
    routingTimeoutMs: options.routingTimeoutMs ?? 1_000,
    trackingRoundMs: options.trackingRoundMs ?? 50,
  };
  if (!(settings.searchRadiusKm > 0)) throw new Error("trips.searchRadiusKm must be a positive number of km");
  if (settings.waveSizes.length === 0 || settings.waveSizes.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new Error("trips.waveSizes needs at least one wave size, each a positive integer");
  }
  if (!Number.isInteger(settings.maxWaves) || settings.maxWaves < 1) throw new Error("trips.maxWaves must be a positive integer");
  if (!Number.isInteger(settings.offerTimeoutSeconds) || settings.offerTimeoutSeconds < 1) {
    throw new Error("trips.offerTimeoutSeconds must be a whole number of seconds, at least 1");
  }
  if (!Number.isInteger(settings.routedCandidates) || settings.routedCandidates < 1) {
    throw new Error("trips.routedCandidates must be a positive integer");
  }
  if (!(settings.citySpeedKmh > 0)) throw new Error("trips.citySpeedKmh must be a positive speed");
  if (!(settings.detourFactor >= 1)) throw new Error("trips.detourFactor must be at least 1 (roads are never shorter than the straight line)");
  if (!Number.isInteger(settings.routingTimeoutMs) || settings.routingTimeoutMs < 1) {
    throw new Error("trips.routingTimeoutMs must be a positive whole number of ms");
  }
  if (!Number.isInteger(settings.trackingRoundMs) || settings.trackingRoundMs < 0 || settings.trackingRoundMs > 1_000) {
    throw new Error("trips.trackingRoundMs must be a whole number of ms from 0 to 1000");
  }
  return settings;
}

/** How many drivers wave `wave` (0-based) offers the ride to: `waveSizes[wave]`, the last size repeating. */
export function waveSize(settings: Pick<TripSettings, "waveSizes">, wave: number): number {
  return settings.waveSizes[Math.min(wave, settings.waveSizes.length - 1)]!;
}
