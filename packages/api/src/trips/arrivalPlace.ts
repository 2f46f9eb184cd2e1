import { and, eq, inArray, places, trips } from "@convoy/db";
import { commitWithEvents } from "../events/commit";
import { affectedRows } from "../lib/affectedRows";
import { conflict, notFound } from "../lib/errors";
import type { TripDeps } from "./deps";
import type { SetArrivalPlaceInput } from "./schemas";
import { FINAL_TRIP_STATUSES } from "./statusMachine";
import { lockTrip } from "./status";
import { emitTripEvent } from "./tripEvents";
import type { TripView } from "./views";

/**
 * A dispatcher links saved places to a trip's pickup and dropoff (or unlinks them with null):
 * from the next move on, arriving and completing need the driver inside the place rather
 * than within the radius. Everyone on the trip hears `trip.places_changed`. An ended trip is
 * CONFLICT; a place that does not exist is NOT_FOUND. The places are locked (as `deletePlace` locks one),
 * so a deletion cannot slip in between.
 */
export async function setArrivalPlace(deps: TripDeps, input: SetArrivalPlaceInput): Promise<TripView> {
  return commitWithEvents(deps, async (tx, emit) => {
    const trip = await lockTrip(tx, input.tripId);
    if (!trip) throw notFound("Trip");
    if ((FINAL_TRIP_STATUSES as readonly string[]).includes(trip.status)) {
      throw conflict(`This trip is ${trip.status}; where it may arrive no longer matters`);
    }
    const wanted = [input.pickupPlaceId, input.dropoffPlaceId].filter((id): id is number => typeof id === "number");
    if (wanted.length > 0) {
      const found = await tx.select({ id: places.id }).from(places).where(inArray(places.id, wanted)).for("update");
      const missing = wanted.find((id) => !found.some((row) => row.id === id));
      if (missing !== undefined) throw notFound(`Place ${missing}`);
    }
    const result = await tx
      .update(trips)
      .set({
        ...(input.pickupPlaceId === undefined ? {} : { pickupPlaceId: input.pickupPlaceId }),
        ...(input.dropoffPlaceId === undefined ? {} : { dropoffPlaceId: input.dropoffPlaceId }),
      })
      .where(and(eq(trips.id, trip.id), eq(trips.status, trip.status)));
    if (affectedRows(result) !== 1) throw conflict("This trip changed meanwhile; reload it");
    return emitTripEvent(tx, emit, trip.id, { type: "trip.places_changed" });
  });
}
