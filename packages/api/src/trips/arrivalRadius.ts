import { and, eq, trips } from "@convoy/db";
import { commitWithEvents } from "../events/commit";
import { affectedRows } from "../lib/affectedRows";
import { conflict, notFound } from "../lib/errors";
import type { TripDeps } from "./deps";
import type { SetArrivalRadiusInput } from "./schemas";
import { FINAL_TRIP_STATUSES } from "./statusMachine";
import { lockTrip } from "./status";
import { emitTripEvent } from "./tripEvents";
import type { TripView } from "./views";

/**
 * A dispatcher sets how near the pickup and dropoff a trip's driver must be to arrive and
 * complete without an override reason; it applies from the next move (and to the automatic
 * arrival). Everyone on the trip hears `trip.radius_changed`. An ended trip is CONFLICT.
 */
export async function setArrivalRadius(deps: TripDeps, input: SetArrivalRadiusInput): Promise<TripView> {
  return commitWithEvents(deps, async (tx, emit) => {
    const trip = await lockTrip(tx, input.tripId);
    if (!trip) throw notFound("Trip");
    if ((FINAL_TRIP_STATUSES as readonly string[]).includes(trip.status))
      throw conflict(`This trip is ${trip.status}; its arrival radius no longer matters`);
    const result = await tx
      .update(trips)
      .set({ arrivalRadiusM: input.radiusM })
      .where(and(eq(trips.id, trip.id), eq(trips.status, trip.status)));
    if (affectedRows(result) !== 1) throw conflict("This trip changed meanwhile; reload it");
    return emitTripEvent(tx, emit, trip.id, { type: "trip.radius_changed", radiusM: input.radiusM });
  });
}
