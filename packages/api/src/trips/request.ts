import { and, eq, inArray, trips, users } from "@convoy/db";
import { commitWithEvents } from "../events/commit";
import { conflict } from "../lib/errors";
import type { TripDeps } from "./deps";
import { offerNextWave } from "./dispatch";
import { estimateFareCents } from "./fare";
import type { RequestTripInput } from "./schemas";
import { emitTripEvent } from "./tripEvents";
import { readTripView, type TripView } from "./views";

/** A rider has at most one trip in these statuses at a time. */
const OPEN_RIDE_STATUSES = ["requested", "assigned", "en_route", "arrived", "in_progress"] as const;

/**
 * A rider asks for a ride in a vehicle class (any passenger vehicle when none is given): the
 * trip is created `requested` with a fare estimate, and in the same transaction the first
 * wave's ride offer goes to the nearest free driver of that class by ETA (see
 * `offerNextWave`). With nobody in range the trip comes back `cancelled` with reason
 * `no_driver`, and the rider's `trips.events` says so too. A rider who already has a trip
 * under way gets CONFLICT naming it.
 */
export async function requestTrip(deps: TripDeps, riderId: number, input: RequestTripInput): Promise<TripView> {
  const tripId = await commitWithEvents(deps, async (tx, emit) => {
    // One request per rider at a time: their user row serialises concurrent requests.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, riderId)).for("update");
    const [open] = await tx
      .select({ id: trips.id, status: trips.status })
      .from(trips)
      .where(and(eq(trips.riderId, riderId), inArray(trips.status, [...OPEN_RIDE_STATUSES])))
      .limit(1);
    if (open) throw conflict(`You already have a trip under way (trip ${open.id}, ${open.status}); cancel it first`);

    const [inserted] = await tx
      .insert(trips)
      .values({
        kind: "ride",
        riderId,
        pickupAddress: input.pickup.address,
        pickupLat: input.pickup.lat,
        pickupLng: input.pickup.lng,
        dropoffAddress: input.dropoff.address,
        dropoffLat: input.dropoff.lat,
        dropoffLng: input.dropoff.lng,
        status: "requested",
        fareCents: estimateFareCents(input.pickup, input.dropoff),
        vehicleClass: input.vehicleClass ?? null,
        searchRing: 0,
        requestedAt: new Date(),
      })
      .$returningId();
    if (!inserted) throw new Error("trip insert returned no id");
    await emitTripEvent(tx, emit, inserted.id, { type: "trip.requested" });
    const [trip] = await tx.select().from(trips).where(eq(trips.id, inserted.id));
    if (!trip) throw new Error("trip vanished inside its own transaction");
    await offerNextWave(tx, emit, deps.trips.dispatch, trip, 0);
    return inserted.id;
  });
  const view = await readTripView(deps.db, tripId);
  if (!view) throw new Error("a just-requested trip could not be read back");
  return view;
}
