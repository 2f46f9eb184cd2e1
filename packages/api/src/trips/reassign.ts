import {
  and,
  count,
  type Driver,
  drivers,
  eq,
  inArray,
  offers,
  rideVehicleClasses,
  type Trip,
  tripHistory,
  trips,
  type TripStatus,
  users,
  type VehicleType,
} from "@convoy/db";
import { commitWithEvents } from "../events/commit";
import { conflict, notFound } from "../lib/errors";
import { affectedRows } from "../lib/affectedRows";
import { ACTIVE_TRIP_STATUSES } from "../lib/tripStatuses";
import type { Tx } from "../lib/transaction";
import { publishAvailability } from "../tracking/messages";
import type { TripDeps } from "./deps";
import { announceReleased, releaseDriver } from "./release";
import type { ReassignTripInput } from "./schemas";
import { lockTrip } from "./status";
import { emitTripEvent, lostTripEvent } from "./tripEvents";
import { readTripView, type TripView } from "./views";
import { tripWords } from "./words";

/** Vehicles that carry riders; a ride is never handed to a truck. */
const RIDE_VEHICLES: readonly VehicleType[] = rideVehicleClasses;

/**
 * Where a reassigned trip stands for its new driver. Before the pickup is left behind the
 * new driver starts from the beginning (`assigned`, the old driver's en route and arrival
 * stamps cleared); a trip in progress stays in progress and the new driver heads for the dropoff.
 */
function restartStatus(status: TripStatus): TripStatus {
  return status === "in_progress" ? "in_progress" : "assigned";
}

/**
 * Why `driver` cannot take `trip`'s vehicle needs, or null if they can: a ride needs a
 * vehicle that carries riders, of the class the rider asked for if they chose one; a load
 * needs the payload and the load space its offer recorded.
 */
async function vehicleMismatch(tx: Tx, trip: Trip, driver: Driver, name: string): Promise<string | null> {
  if (trip.kind === "ride") {
    const vehicle = driver.vehicleType.replace("_", " ");
    if (!RIDE_VEHICLES.includes(driver.vehicleType)) return `${name} drives a ${vehicle}, which does not carry riders`;
    if (trip.vehicleClass !== null && driver.vehicleType !== trip.vehicleClass) {
      return `${name} drives a ${vehicle}; the rider asked for a ${trip.vehicleClass}`;
    }
    return null;
  }
  if (trip.offerId === null) return null;
  const [load] = await tx
    .select({ weightKg: offers.weightKg, lengthCm: offers.lengthCm, widthCm: offers.widthCm, heightCm: offers.heightCm })
    .from(offers)
    .where(eq(offers.id, trip.offerId));
  if (!load) return null;
  if (load.weightKg > driver.payloadKg) return `${name}'s vehicle carries ${driver.payloadKg} kg; this load weighs ${load.weightKg} kg`;
  const fits = load.lengthCm <= driver.vehicleLengthCm && load.widthCm <= driver.vehicleWidthCm && load.heightCm <= driver.vehicleHeightCm;
  return fits ? null : `This load (${load.lengthCm}×${load.widthCm}×${load.heightCm} cm) does not fit ${name}'s vehicle`;
}

/**
 * A dispatcher hands a trip that has a driver and has not ended to another driver: one who
 * is `available`, on no active trip, with a vehicle that suits the trip. The old driver
 * loses the trip (and is freed unless another trip keeps them busy), the new one gets it
 * and becomes busy; both, the rider and every dispatcher hear `trip.reassigned`.
 *
 * Concurrency: the trip row is locked first, as every driver move and cancellation locks it,
 * so a reassignment and a driver's status update on the same trip happen one after the
 * other; the new driver's row is locked next, so two trips cannot be handed to one driver at
 * once. `currentDriverId` is the driver the dispatcher saw: if another reassignment got
 * there first, this one is CONFLICT. Handing the trip to the driver it already has is a
 * no-op that succeeds, so a retried call is harmless. Every write is also conditional on
 * what was read under the lock.
 */
export async function reassignTrip(deps: TripDeps, dispatcherId: number, input: ReassignTripInput): Promise<TripView> {
  const outcome = await commitWithEvents(deps, async (tx, emit) => {
    const trip = await lockTrip(tx, input.tripId);
    if (!trip) throw notFound("Trip");
    const words = tripWords(trip.kind);
    if (trip.status === "completed" || trip.status === "cancelled")
      throw conflict(`This ${words.noun} is ${trip.status}; it cannot change driver any more`);
    if (trip.driverId === null) throw conflict(`This ${words.noun} is still being offered to drivers; it has no driver to replace`);
    if (trip.driverId === input.driverId) {
      const view = await readTripView(tx, trip.id);
      if (!view) throw notFound("Trip");
      return { view, fromDriverId: null, freed: false };
    }
    if (trip.driverId !== input.currentDriverId) throw conflict(`This ${words.noun} was handed to another driver meanwhile; reload it`);

    const [candidate] = await tx
      .select({ driver: drivers, name: users.name })
      .from(drivers)
      .innerJoin(users, eq(users.id, drivers.userId))
      .where(eq(drivers.userId, input.driverId))
      .for("update");
    if (!candidate) throw notFound("Driver");
    const { driver, name } = candidate;
    if (driver.availability !== "available") throw conflict(`${name} is ${driver.availability}; only an available driver can take over`);
    const [active] = await tx
      .select({ n: count() })
      .from(trips)
      .where(and(eq(trips.driverId, driver.userId), inArray(trips.status, [...ACTIVE_TRIP_STATUSES])));
    if ((active?.n ?? 0) > 0) throw conflict(`${name} is on another trip`);
    const mismatch = await vehicleMismatch(tx, trip, driver, name);
    if (mismatch) throw conflict(mismatch);

    const status = restartStatus(trip.status);
    const restart = status === "assigned" ? { enRouteAt: null, arrivedAt: null } : {};
    const moved = await tx
      .update(trips)
      .set({ driverId: driver.userId, status, assignedAt: new Date(), reassignments: trip.reassignments + 1, ...restart })
      .where(
        and(eq(trips.id, trip.id), eq(trips.driverId, trip.driverId), eq(trips.status, trip.status), eq(trips.reassignments, trip.reassignments)),
      );
    if (affectedRows(moved) !== 1) throw conflict(`This ${words.noun} changed meanwhile; reload it`);
    const busy = await tx
      .update(drivers)
      .set({ availability: "busy" })
      .where(and(eq(drivers.userId, driver.userId), eq(drivers.availability, "available")));
    if (affectedRows(busy) !== 1) throw conflict(`${name} is no longer available`);
    const freed = await releaseDriver(tx, trip.driverId, trip.id);
    const reason = input.reason ?? null;
    await tx.insert(tripHistory).values({
      tripId: trip.id,
      type: "reassigned",
      actorId: dispatcherId,
      reason,
      fromDriverId: trip.driverId,
      toDriverId: driver.userId,
    });
    const event = { type: "trip.reassigned", fromDriverId: trip.driverId, toDriverId: driver.userId, reason } as const;
    const view = await emitTripEvent(tx, emit, trip.id, event);
    emit(lostTripEvent({ ...event, trip: view }));
    return { view, fromDriverId: trip.driverId, freed };
  });
  if (outcome.fromDriverId !== null) {
    publishAvailability(deps.bus, input.driverId, "busy");
    announceReleased(deps.bus, outcome.freed ? outcome.fromDriverId : null);
  }
  return outcome.view;
}
