import type { LatLng } from "../lib/geo";
import type { EngineRoute, RoutingEngine } from "../routing/engine";
import { type Eta, etaAlongRoute } from "./eta";

export interface TripRoutesOptions {
  /** A driver this far from their route has left it, and a new one is asked for, in km. @default 0.2 */
  offRouteKm?: number;
  /** Least time between two routing calls for one trip (also after a failure), in ms. @default 10_000 */
  retryMs?: number;
}

/** One followed trip's current leg. */
interface Leg {
  /** Where the route leads; a new target drops the route. */
  target: "pickup" | "dropoff" | null;
  route: EngineRoute | null;
  /** Bumped whenever `route` changes, so each stream knows whether it sent this one. */
  version: number;
  asking: boolean;
  lastAskAt: number;
  listeners: Set<() => void>;
}

/** What a stream reads for one frame. */
export interface CurrentRoute {
  /** The driver's road to the target, or null (no engine, no answer yet, target just changed). */
  route: EngineRoute | null;
  /** The ETA along `route`; null without one, or when the driver has left it. */
  eta: Eta | null;
  /** Changes whenever `route` does. */
  version: number;
}

const NO_ROUTE: CurrentRoute = { route: null, eta: null, version: 0 };

/**
 * The road route of each followed trip's driver to where they are heading, one per trip per
 * process however many streams follow it. Reading never waits: it returns the route known
 * now (or null) and, when there is none, the target changed, or the driver left it, asks the
 * routing engine in the background (at most once per `retryMs` per trip); followers are
 * called when an answer changes the route. A slow or absent engine only means the streams
 * keep estimating.
 */
export class TripRoutes {
  private readonly legs = new Map<number, Leg>();
  private readonly offRouteKm: number;
  private readonly retryMs: number;

  constructor(
    private readonly engine: RoutingEngine,
    options: TripRoutesOptions = {},
  ) {
    this.offRouteKm = options.offRouteKm ?? 0.2;
    this.retryMs = options.retryMs ?? 10_000;
  }

  /** Calls `listener` whenever the trip's route changes; returns the unsubscribe. The last one out forgets the trip. */
  follow(tripId: number, listener: () => void): () => void {
    if (!this.engine.configured) return () => undefined;
    let leg = this.legs.get(tripId);
    if (!leg) {
      leg = { target: null, route: null, version: 0, asking: false, lastAskAt: Number.NEGATIVE_INFINITY, listeners: new Set() };
      this.legs.set(tripId, leg);
    }
    const followed = leg;
    followed.listeners.add(listener);
    return () => {
      followed.listeners.delete(listener);
      if (followed.listeners.size === 0 && this.legs.get(tripId) === followed) this.legs.delete(tripId);
    };
  }

  /**
   * The followed trip's route from the driver (at `from`) to `destination` as known now, with
   * the ETA along it. Never waits; asks the engine in the background when needed.
   */
  current(tripId: number, target: "pickup" | "dropoff", from: LatLng, destination: LatLng): CurrentRoute {
    if (!this.engine.configured) return NO_ROUTE;
    const leg = this.legs.get(tripId);
    if (!leg) return NO_ROUTE;
    if (leg.target !== target) {
      leg.target = target;
      if (leg.route) {
        leg.route = null;
        leg.version++;
      }
      leg.lastAskAt = Number.NEGATIVE_INFINITY;
    }
    const along = leg.route ? etaAlongRoute(leg.route, from) : null;
    const onRoute = along !== null && along.offKm <= this.offRouteKm;
    if (!onRoute && !leg.asking && Date.now() - leg.lastAskAt >= this.retryMs) this.ask(tripId, leg, target, from, destination);
    const eta: Eta | null = onRoute ? { distanceKm: along.distanceKm, etaSeconds: along.etaSeconds, source: "route" } : null;
    return { route: leg.route, eta, version: leg.version };
  }

  private ask(tripId: number, leg: Leg, target: "pickup" | "dropoff", from: LatLng, destination: LatLng): void {
    leg.asking = true;
    leg.lastAskAt = Date.now();
    void this.engine.route(from, destination).then((route) => {
      leg.asking = false;
      if (!route || this.legs.get(tripId) !== leg || leg.target !== target) return;
      leg.route = route;
      leg.version++;
      for (const listener of leg.listeners) listener();
    });
  }
}
