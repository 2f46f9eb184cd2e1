import { and, drivers, eq, isNull, sql, trips } from "@convoy/db";
import { commitWithEvents } from "../events/commit";
import { conflict, notFound } from "../lib/errors";
import { affectedRows } from "../lib/affectedRows";
import type { TripDeps } from "./deps";
import type { RateTripInput } from "./schemas";
import { lockTrip } from "./status";
import { emitTripEvent } from "./tripEvents";
import type { TripView } from "./views";

/**
 * The rider rates their completed trip, once: 1–5 stars and an optional comment. The
 * driver's rating sum and count move in the same transaction, by SQL arithmetic so
 * concurrent ratings of one driver cannot lose an update. Another rider's trip is
 * NOT_FOUND; a trip not completed yet, or already rated, is CONFLICT and nothing is written.
 */
export async function rateTrip(deps: TripDeps, riderId: number, input: RateTripInput): Promise<TripView> {
  return commitWithEvents(deps, async (tx, emit) => {
    const trip = await lockTrip(tx, input.tripId);
    if (trip?.riderId !== riderId) throw notFound("Trip");
    if (trip.status !== "completed") {
      throw conflict(`You can rate a trip once it is completed; this one is ${trip.status.replace("_", " ")}`);
    }
    if (trip.rating !== null || trip.driverId === null) throw conflict("You have already rated this trip");

    const comment = input.comment === undefined || input.comment === "" ? null : input.comment;
    const result = await tx
      .update(trips)
      .set({ rating: input.rating, ratingComment: comment })
      .where(and(eq(trips.id, trip.id), isNull(trips.rating)));
    if (affectedRows(result) !== 1) throw conflict("You have already rated this trip");
    await tx
      .update(drivers)
      .set({ ratingSum: sql`${drivers.ratingSum} + ${input.rating}`, ratingCount: sql`${drivers.ratingCount} + 1` })
      .where(eq(drivers.userId, trip.driverId));
    return emitTripEvent(tx, emit, trip.id, { type: "trip.rated" });
  });
}
