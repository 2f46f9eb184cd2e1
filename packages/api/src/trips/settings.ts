/** How ride requests are dispatched and tracked; every field has a production default. */
export interface TripOptions {
  /**
   * Search radii around the pickup, km, tried in order: each ring's ride offer goes to the
   * nearest available drivers within it who were not offered the trip yet.
   * @default [5, 10, 20]
   */
  ringsKm?: number[];
  /** How long each ring's ride offer stays open, in whole seconds. @default 30 */
  offerTimeoutSeconds?: number;
  /** Most drivers one ring's offer goes to. @default 10 */
  maxDriversPerRing?: number;
  /** A driver on the way who reports a point this close to the pickup has arrived, in metres. @default 100 */
  arrivalRadiusM?: number;
  /** Speed assumed for ETAs when the driver's reported speed is unknown or implausible, km/h. @default 30 */
  citySpeedKmh?: number;
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
    ringsKm: options.ringsKm ?? [5, 10, 20],
    offerTimeoutSeconds: options.offerTimeoutSeconds ?? 30,
    maxDriversPerRing: options.maxDriversPerRing ?? 10,
    arrivalRadiusM: options.arrivalRadiusM ?? 100,
    citySpeedKmh: options.citySpeedKmh ?? 30,
    trackingRoundMs: options.trackingRoundMs ?? 50,
  };
  if (settings.ringsKm.length === 0 || settings.ringsKm.some((km) => !(km > 0))) {
    throw new Error("trips.ringsKm needs at least one positive radius");
  }
  if (!Number.isInteger(settings.offerTimeoutSeconds) || settings.offerTimeoutSeconds < 1) {
    throw new Error("trips.offerTimeoutSeconds must be a whole number of seconds, at least 1");
  }
  if (!Number.isInteger(settings.maxDriversPerRing) || settings.maxDriversPerRing < 1) {
    throw new Error("trips.maxDriversPerRing must be a positive integer");
  }
  if (!Number.isInteger(settings.trackingRoundMs) || settings.trackingRoundMs < 0 || settings.trackingRoundMs > 1_000) {
    throw new Error("trips.trackingRoundMs must be a whole number of ms from 0 to 1000");
  }
  return settings;
}
