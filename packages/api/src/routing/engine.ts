import { z } from "zod";
import type { LatLng } from "../lib/geo";

/** A road route as a routing engine answered it. */
export interface EngineRoute {
  /** Road km, three decimals. */
  distanceKm: number;
  /** Whole seconds of driving. */
  durationSeconds: number;
  /** The road, start to end; at least two points. */
  line: LatLng[];
}

/**
 * Asks for the road route between two points. Resolves `null` when there is no answer in
 * time, no engine, or no route; never rejects and never waits past its timeout, so callers
 * fall back to an estimate and go on.
 */
export interface RoutingEngine {
  /** Whether an engine is configured at all (otherwise every answer is `null` at once). */
  readonly configured: boolean;
  route: (from: LatLng, to: LatLng) => Promise<EngineRoute | null>;
}

export interface OsrmEngineOptions {
  /** Base URL of an OSRM-compatible API, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** Longest wait for one answer, in ms. */
  timeoutMs: number;
  /** Routes kept, least recently used out. @default 500 */
  cacheSize?: number;
  /** How long a cached route is reused, in ms. @default 300_000 */
  cacheTtlMs?: number;
  /**
   * After a failed or timed-out call, calls are not made for this long (each answers `null`
   * at once), so an engine that is down costs one timeout, not one per ETA. In ms.
   * @default five timeouts, at most 5_000
   */
  backoffMs?: number;
  /** Called once per failed call with why; for the log. */
  onFailure?: (reason: string) => void;
}

/** The part of OSRM's `route` answer used here (`overview=full&geometries=geojson`). */
const osrmRouteResponse = z.object({
  code: z.string(),
  routes: z
    .array(
      z.object({
        duration: z.number().nonnegative(),
        distance: z.number().nonnegative(),
        geometry: z.object({ type: z.literal("LineString"), coordinates: z.array(z.tuple([z.number(), z.number()]).rest(z.number())).min(2) }),
      }),
    )
    .optional(),
});

/** Coordinates rounded to 4 decimals (about 11 m) for the cache key: a driver waiting at a light reuses the route. */
const keyOf = (from: LatLng, to: LatLng) => [from.lng, from.lat, to.lng, to.lat].map((degrees) => degrees.toFixed(4)).join(",");

/** A routing engine that is never asked: every ETA is an estimate. */
export const NO_ROUTING_ENGINE: RoutingEngine = { configured: false, route: () => Promise.resolve(null) };

/**
 * An OSRM `route` service client: `GET {url}/route/v1/driving/{lon},{lat};{lon},{lat}?overview=full&geometries=geojson`,
 * with a timeout per call, a small LRU cache (rounded coordinates), one call in flight per
 * key, and a back-off after a failure.
 */
export function createOsrmEngine(options: OsrmEngineOptions): RoutingEngine {
  const base = options.url.replace(/\/+$/, "");
  const cacheSize = options.cacheSize ?? 500;
  const cacheTtlMs = options.cacheTtlMs ?? 300_000;
  const backoffMs = options.backoffMs ?? Math.min(5_000, 5 * options.timeoutMs);
  const cache = new Map<string, { route: EngineRoute | null; at: number }>();
  const inFlight = new Map<string, Promise<EngineRoute | null>>();
  let pausedUntil = 0;

  const remember = (key: string, route: EngineRoute | null) => {
    cache.delete(key);
    cache.set(key, { route, at: Date.now() });
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
  };

  const failed = (reason: string): null => {
    pausedUntil = Date.now() + backoffMs;
    options.onFailure?.(reason);
    return null;
  };

  async function ask(key: string, from: LatLng, to: LatLng): Promise<EngineRoute | null> {
    const url = `${base}/route/v1/driving/${from.lng},${from.lat};${to.lng},${to.lat}?overview=full&geometries=geojson`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), headers: { accept: "application/json" } });
      if (!response.ok && response.status !== 400) return failed(`HTTP ${response.status}`);
      const parsed = osrmRouteResponse.safeParse(await response.json());
      if (!parsed.success) return failed("not an OSRM route response");
      const best = parsed.data.routes?.[0];
      // "NoRoute" and the like are answers, not failures: remembered, no back-off.
      if (parsed.data.code !== "Ok" || !best) {
        remember(key, null);
        return null;
      }
      const route: EngineRoute = {
        distanceKm: Math.round(best.distance) / 1_000,
        durationSeconds: Math.round(best.duration),
        line: best.geometry.coordinates.map(([lng, lat]) => ({ lat, lng })),
      };
      remember(key, route);
      return route;
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      return failed(timedOut ? `no answer within ${options.timeoutMs} ms` : error instanceof Error ? error.message : String(error));
    }
  }

  return {
    configured: true,
    route(from, to) {
      const key = keyOf(from, to);
      const cached = cache.get(key);
      if (cached && Date.now() - cached.at < cacheTtlMs) {
        cache.delete(key);
        cache.set(key, cached);
        return Promise.resolve(cached.route);
      }
      const pending = inFlight.get(key);
      if (pending) return pending;
      if (Date.now() < pausedUntil) return Promise.resolve(null);
      const call = ask(key, from, to).finally(() => inFlight.delete(key));
      inFlight.set(key, call);
      return call;
    },
  };
}
