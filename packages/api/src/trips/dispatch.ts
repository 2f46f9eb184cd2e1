import { and, eq, offers, type Trip, trips } from "@convoy/db";
import type { Emit } from "../events/commit";
import type { Tx } from "../lib/transaction";
import { insertOffer } from "../offers/create";
import { affectedRows } from "../lib/affectedRows";
import { driversOfferedTrip, findNearestAvailableDrivers, type LivePositionLookup } from "./nearestDrivers";
import type { TripSettings } from "./settings";
import { emitTripEvent } from "./tripEvents";

/** What a ride search needs besides the transaction. */
export interface DispatchContext {
  settings: TripSettings;
  livePosition: LivePositionLookup;
}

/** `trips.cancel_reason` when every ring came up empty or nobody accepted. */
export const NO_DRIVER = "no_driver";

/**
 * Offers a `requested` ride to the next ring that has anyone in it, starting at `fromRing`:
 * the nearest available drivers within that ring's radius who were not offered this trip
 * yet (at most `maxDriversPerRing`) get one ride offer at the trip's fare, and the rider
 * hears `trip.searching`. Empty rings are skipped at once rather than waited out. When no
 * ring is left the trip is cancelled with reason `no_driver`.
 *
 * Runs in the caller's transaction; the caller holds the trip's row lock (or just inserted it).
 */
export async function dispatchFromRing(tx: Tx, emit: Emit, context: DispatchContext, trip: Trip, fromRing: number): Promise<void> {
  const { settings } = context;
  if (trip.riderId === null) throw new Error(`trip ${trip.id} is not a ride`);
  const pickup = { address: trip.pickupAddress, lat: trip.pickupLat, lng: trip.pickupLng };
  const dropoff = { address: trip.dropoffAddress, lat: trip.dropoffLat, lng: trip.dropoffLng };
  const alreadyOffered = await driversOfferedTrip(tx, trip.id);

  for (let ring = fromRing; ring < settings.ringsKm.length; ring++) {
    const radiusKm = settings.ringsKm[ring]!;
    const nearest = await findNearestAvailableDrivers(tx, {
      centre: pickup,
      radiusKm,
      limit: settings.maxDriversPerRing,
      exclude: alreadyOffered,
      livePosition: context.livePosition,
    });
    if (nearest.length === 0) continue;

    const driverIds = nearest.map((driver) => driver.id);
    const offer = await insertOffer(tx, emit, {
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
    });
    await tx.update(trips).set({ searchRing: ring }).where(eq(trips.id, trip.id));
    await emitTripEvent(tx, emit, trip.id, {
      type: "trip.searching",
      ring,
      radiusKm,
      driverCount: driverIds.length,
      offerId: offer.id,
      expiresAt: offer.expiresAt,
    });
    return;
  }

  const result = await tx
    .update(trips)
    .set({ status: "cancelled", cancelReason: NO_DRIVER, cancelledAt: new Date() })
    .where(and(eq(trips.id, trip.id), eq(trips.status, "requested")));
  if (affectedRows(result) !== 1) throw new Error(`trip ${trip.id} left requested while its search held the lock`);
  await emitTripEvent(tx, emit, trip.id, { type: "trip.cancelled", by: "system", reason: NO_DRIVER });
}

/**
 * The current ring's offer expired with nobody accepting: search the next ring. A trip that
 * meanwhile was assigned or cancelled, or that somehow has another open offer, is left alone.
 * Runs inside the expiring transaction (see `RideOfferExpiry`), after the offer's row lock.
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
  await dispatchFromRing(tx, emit, context, trip, trip.searchRing + 1);
}
