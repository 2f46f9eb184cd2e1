import { and, eq, offers, type Trip, trips } from "@convoy/db";
import type { Emit } from "../events/commit";
import type { Tx } from "../lib/transaction";
import { insertOffer, readOfferStamp } from "../offers/create";
import { affectedRows } from "../lib/affectedRows";
import type { RoutingEngine } from "../routing/engine";
import { driversOfferedTrip, findNearestAvailableDrivers, type LivePositionLookup, rankByEta, vehicleTypesFor } from "./nearestDrivers";
import { type TripSettings, waveSize } from "./settings";
import { emitTripEvent } from "./tripEvents";

/** What a ride search needs besides the transaction. */
export interface DispatchContext {
  settings: TripSettings;
  livePosition: LivePositionLookup;
  /** ETAs to the pickup for ordering; answers `null` (estimate) when absent, slow or down. */
  routing: RoutingEngine;
}

/** `trips.cancel_reason` when the search found nobody (left) or nobody accepted. */
export const NO_DRIVER = "no_driver";

/**
 * Offers a `requested` ride to its next wave of drivers: of the free, `available` drivers of
 * the requested vehicle class within `searchRadiusKm` who were not offered this trip yet,
 * the `routedCandidates` nearest by straight line (more if the wave is bigger) are ranked
 * by ETA to the pickup (routing engine, else estimate), and the fastest `waveSize(wave)` get
 * one ride offer at the trip's fare, open `offerTimeoutSeconds`. The trip's `searchRing`
 * records the wave (0-based), and the rider hears `trip.searching` (`ring` is the wave,
 * `radiusKm` the farthest driver of it). When nobody is left, or `maxWaves` waves went
 * unanswered, the trip is cancelled with reason `no_driver`.
 *
 * The next wave is started by whatever closes this one: the offer sweeper when the offer's
 * deadline (database clock) passes, or the last of its drivers rejecting. Both run in the
 * closing transaction (`continueRideSearch`), so a search outlives a restart of the process
 * that started it and exactly one instance moves it on.
 *
 * Runs in the caller's transaction; the caller holds the trip's row lock (or just inserted
 * it). Ranking waits at most one routing timeout, the calls running at once.
 */
export async function offerNextWave(tx: Tx, emit: Emit, context: DispatchContext, trip: Trip, wave: number): Promise<void> {
  const { settings } = context;
  if (trip.riderId === null) throw new Error(`trip ${trip.id} is not a ride`);
  const pickup = { address: trip.pickupAddress, lat: trip.pickupLat, lng: trip.pickupLng };
  const dropoff = { address: trip.dropoffAddress, lat: trip.dropoffLat, lng: trip.dropoffLng };

  if (wave < settings.maxWaves) {
    const size = waveSize(settings, wave);
    const nearest = await findNearestAvailableDrivers(tx, {
      centre: pickup,
      radiusKm: settings.searchRadiusKm,
      limit: Math.max(settings.routedCandidates, size),
      vehicleTypes: vehicleTypesFor(trip.vehicleClass),
      exclude: await driversOfferedTrip(tx, trip.id),
      livePosition: context.livePosition,
    });
    if (nearest.length > 0) {
      const chosen = (await rankByEta(nearest, pickup, context.routing, settings)).slice(0, size);
      const driverIds = chosen.map((driver) => driver.id);
      const stamp = await readOfferStamp(tx, trip.riderId);
      const offer = await insertOffer(
        tx,
        emit,
        {
          createdBy: trip.riderId,
          kind: "ride",
          tripId: trip.id,
          pickup,
          dropoff,
          weightKg: 0,
          dimensions: { lengthCm: 0, widthCm: 0, heightCm: 0 },
          rateCents: trip.fareCents ?? 0,
          notes: "",
          expiresInSeconds: settings.offerTimeoutSeconds,
          driverIds,
        },
        stamp,
      );
      await tx.update(trips).set({ searchRing: wave }).where(eq(trips.id, trip.id));
      await emitTripEvent(tx, emit, trip.id, {
        type: "trip.searching",
        ring: wave,
        radiusKm: Math.round(Math.max(...chosen.map((driver) => driver.distanceKm)) * 10) / 10,
        driverCount: driverIds.length,
        offerId: offer.id,
        expiresAt: offer.expiresAt,
      });
      return;
    }
  }

  const result = await tx
    .update(trips)
    .set({ status: "cancelled", cancelReason: NO_DRIVER, cancelledAt: new Date() })
    .where(and(eq(trips.id, trip.id), eq(trips.status, "requested")));
  if (affectedRows(result) !== 1) throw new Error(`trip ${trip.id} left requested while its search held the lock`);
  await emitTripEvent(tx, emit, trip.id, { type: "trip.cancelled", by: "system", reason: NO_DRIVER });
}

/**
 * The current wave's offer closed with nobody accepting (it expired, or every driver of it
 * rejected): offer the next wave. A trip that meanwhile was assigned or cancelled, or that
 * somehow has another open offer, is left alone. Runs inside the closing transaction (see
 * `RideOfferExpiry`), after the offer's row lock.
 */
export async function continueRideSearch(tx: Tx, emit: Emit, context: DispatchContext, tripId: number): Promise<void> {
  const [trip] = await tx.select().from(trips).where(eq(trips.id, tripId)).for("update");
  if (trip?.status !== "requested") return;
  const [open] = await tx
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.tripId, tripId), eq(offers.status, "open")))
    .limit(1);
  if (open) return;
  await offerNextWave(tx, emit, context, trip, trip.searchRing + 1);
}
