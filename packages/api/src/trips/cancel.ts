import { and, eq, offers, tripHistory, trips } from "@convoy/db";
import { commitWithEvents } from "../events/commit";
import { conflict, notFound } from "../lib/errors";
import { withdrawOffer } from "../offers/cancel";
import { affectedRows } from "../lib/affectedRows";
import type { TripDeps } from "./deps";
import { announceReleased, releaseDriver } from "./release";
import type { CancelTripInput } from "./schemas";
import { checkTransition } from "./statusMachine";
import { lockTrip } from "./status";
import { emitTripEvent } from "./tripEvents";
import type { TripView } from "./views";

/** Who may cancel: the trip's rider, or any dispatcher. */
export interface TripCanceller {
  userId: number;
  role: "rider" | "dispatcher";
}

/**
 * Cancels a trip with a reason. The rider may cancel their own trip until the ride starts
 * (`in_progress`); a dispatcher may cancel any trip that has not ended. An open ride offer
 * for the trip is withdrawn from its drivers, and an assigned driver is freed. The reason is
 * stored on the trip and in its history. Someone else's trip is NOT_FOUND; a trip past the
 * point of cancelling is CONFLICT with the reason.
 */
export async function cancelTrip(deps: TripDeps, by: TripCanceller, input: CancelTripInput): Promise<TripView> {
  const { view, freedDriverId } = await commitWithEvents(deps, async (tx, emit) => {
    // Offers before the trip: the order an accept locks them in, so the two never deadlock.
    // An accept that got there first has already moved its offer out of `open`.
    const openOffers = await tx
      .select({ id: offers.id })
      .from(offers)
      .where(and(eq(offers.tripId, input.tripId), eq(offers.status, "open")))
      .for("update");
    const trip = await lockTrip(tx, input.tripId);
    if (!trip || (by.role === "rider" && trip.riderId !== by.userId)) throw notFound("Trip");
    const check = checkTransition(trip.status, "cancelled", by.role);
    if (!check.ok) {
      throw conflict(
        by.role === "rider" && trip.status === "in_progress"
          ? "Your ride has started, so it can no longer be cancelled; ask the driver to end it"
          : check.reason,
      );
    }

    for (const { id } of openOffers) {
      const closed = await tx
        .update(offers)
        .set({ status: "cancelled" })
        .where(and(eq(offers.id, id), eq(offers.status, "open")));
      if (affectedRows(closed) === 1) await withdrawOffer(tx, emit, id, undefined);
    }
    const result = await tx
      .update(trips)
      .set({ status: "cancelled", cancelReason: input.reason, cancelledAt: new Date() })
      .where(and(eq(trips.id, trip.id), eq(trips.status, trip.status)));
    if (affectedRows(result) !== 1) throw conflict("This trip changed meanwhile; reload it");
    await tx
      .insert(tripHistory)
      .values({ tripId: trip.id, type: "cancelled", actorId: by.userId, reason: input.reason, fromDriverId: trip.driverId });
    const freed = trip.driverId !== null && (await releaseDriver(tx, trip.driverId, trip.id));
    const view = await emitTripEvent(tx, emit, trip.id, { type: "trip.cancelled", by: by.role, reason: input.reason });
    return { view, freedDriverId: freed ? trip.driverId : null };
  });
  announceReleased(deps.bus, freedDriverId);
  return view;
}
