/** Lifetimes and caps of tracking links; every field has a default. */
export interface TrackingLinkOptions {
  /** Lifetime of a link made without `expiresInMinutes`, in ms. @default 86_400_000 (24 h) */
  defaultTtlMs?: number;
  /** Longest lifetime a link may be given, in ms. @default 604_800_000 (7 days) */
  maxTtlMs?: number;
  /**
   * How long after its trip completed or was cancelled a link still opens (to say how the trip
   * ended), in ms; past it the link is gone even if `expiresAt` is later. @default 3_600_000 (1 h)
   */
  afterTripMs?: number;
  /** Live links (neither expired nor revoked) one trip may have at once. @default 10 */
  maxLivePerTrip?: number;
  /** Open public viewers of one link, per server instance. @default 20 */
  maxViewersPerLink?: number;
  /** Open public viewers from one remote address, per server instance. @default 10 */
  maxViewersPerAddress?: number;
  /**
   * How often each instance re-reads the links its viewers hold from MySQL, in ms: the bound
   * on how late a revocation closes a viewer when the bus is down. @default 1_000
   */
  recheckMs?: number;
}

export type TrackingLinkSettings = Required<TrackingLinkOptions>;

/** `options` with every default filled in. */
export function trackingLinkSettings(options: TrackingLinkOptions = {}): TrackingLinkSettings {
  const maxTtlMs = options.maxTtlMs ?? 7 * 24 * 3_600_000;
  return {
    defaultTtlMs: Math.min(options.defaultTtlMs ?? 24 * 3_600_000, maxTtlMs),
    maxTtlMs,
    afterTripMs: options.afterTripMs ?? 3_600_000,
    maxLivePerTrip: options.maxLivePerTrip ?? 10,
    maxViewersPerLink: options.maxViewersPerLink ?? 20,
    maxViewersPerAddress: options.maxViewersPerAddress ?? 10,
    recheckMs: options.recheckMs ?? 1_000,
  };
}
