import { and, type DbOrTx, eq, exists, offerRecipients, offers, sql } from "@convoy/db";
import type { LatLng } from "../lib/geo";
import { estimateEta, type EstimateSettings, type EtaSource } from "../trips/eta";
import type { RoutingEngine } from "./engine";

/** A planned pickup → dropoff route, as the maps draw it. */
export interface PlannedRoute {
  /** The road from the routing engine, or the straight line from start to end for an estimate. */
  line: LatLng[];
  /** Road km for a `route`; great-circle km for an `estimate`, three decimals. */
  distanceKm: number;
  /** Whole seconds of driving: the engine's, or the estimate's (detour factor at city speed). */
  durationSeconds: number;
  source: EtaSource;
}

/**
 * The road from `from` to `to` when the routing engine answers within its timeout; else the
 * straight line with an estimated duration (`source: "estimate"`). Never fails for want of
 * an engine.
 */
export async function plannedRoute(engine: RoutingEngine, from: LatLng, to: LatLng, estimate: EstimateSettings): Promise<PlannedRoute> {
  const route = await engine.route(from, to);
  if (route) return { line: route.line, distanceKm: route.distanceKm, durationSeconds: route.durationSeconds, source: "route" };
  const guess = estimateEta(from, to, null, estimate);
  return {
    line: [
      { lat: from.lat, lng: from.lng },
      { lat: to.lat, lng: to.lng },
    ],
    distanceKm: guess.distanceKm,
    durationSeconds: guess.etaSeconds,
    source: "estimate",
  };
}

/**
 * An offer's pickup and dropoff if `viewer` may see the offer (its creator, or a driver it
 * was sent to), else null.
 */
export async function offerEnds(
  db: DbOrTx,
  viewer: { userId: number; role: "dispatcher" | "driver" },
  offerId: number,
): Promise<{ pickup: LatLng; dropoff: LatLng } | null> {
  const sentToViewer = exists(
    db
      .select({ one: sql`1` })
      .from(offerRecipients)
      .where(and(eq(offerRecipients.offerId, offers.id), eq(offerRecipients.driverId, viewer.userId))),
  );
  const [row] = await db
    .select({ pickupLat: offers.pickupLat, pickupLng: offers.pickupLng, dropoffLat: offers.dropoffLat, dropoffLng: offers.dropoffLng })
    .from(offers)
    .where(and(eq(offers.id, offerId), viewer.role === "dispatcher" ? eq(offers.createdBy, viewer.userId) : sentToViewer));
  return row ? { pickup: { lat: row.pickupLat, lng: row.pickupLng }, dropoff: { lat: row.dropoffLat, lng: row.dropoffLng } } : null;
}
