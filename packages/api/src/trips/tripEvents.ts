import type { TripStatus } from "@convoy/db";
import type { Emit } from "../events/commit";
import type { NewEvent, StoredEvent } from "../events/types";
import type { Tx } from "../lib/transaction";
import type { TripActor } from "./statusMachine";
import { readTripView, type TripView } from "./views";

/**
 * What happens on the `trips` stream, as a discriminated union on `type`. Every event
 * carries the trip as it is after the change, so a screen can simply replace its copy.
 * Each row is visible to the trip's rider, its driver (once there is one) and every
 * dispatcher; nobody else, but for the copy of a reassignment its previous driver gets.
 *
 * - trip.requested       a rider asked for a ride
 * - trip.searching       a wave's ride offer went out: how far, how many drivers, until when
 * - trip.assigned        a driver won; `trip.driver` has their name, vehicle and rating
 * - trip.status_changed  the driver moved it on (or it arrived by itself: `automatic`); with
 *                        `override` when the driver was away from the pickup or dropoff
 * - trip.reassigned      a dispatcher handed it to another driver; the driver who lost it
 *                        gets a copy of this event of their own
 * - trip.radius_changed  a dispatcher set the trip's arrival radius
 * - trip.places_changed  a dispatcher set or cleared the saved places guarding pickup and dropoff
 * - trip.cancelled       by the rider, a dispatcher, or the system (`no_driver`)
 * - trip.rated           the rider's stars and comment
 */
export type TripEventPayload =
  | { type: "trip.requested"; trip: TripView }
  | {
      type: "trip.searching";
      trip: TripView;
      /** 0-based wave index (see `offerNextWave`). */
      ring: number;
      /** Straight-line km from the pickup to the farthest driver of this wave, one decimal. */
      radiusKm: number;
      /** How many drivers this wave's offer went to. */
      driverCount: number;
      offerId: number;
      /** ISO time the wave's offer closes. */
      expiresAt: string;
    }
  | { type: "trip.assigned"; trip: TripView }
  | {
      type: "trip.status_changed";
      trip: TripView;
      from: TripStatus;
      to: TripStatus;
      /** True when the server moved it (arrival detected from the driver's position). */
      automatic: boolean;
      /** Set when the driver made the move away from the place it needs, saying why. */
      override: TripGuardOverride | null;
    }
  | {
      type: "trip.reassigned";
      trip: TripView;
      fromDriverId: number;
      toDriverId: number;
      /** The dispatcher's words, if they gave any. */
      reason: string | null;
    }
  | { type: "trip.radius_changed"; trip: TripView; radiusM: number }
  | { type: "trip.places_changed"; trip: TripView }
  | { type: "trip.cancelled"; trip: TripView; by: Exclude<TripActor, "driver">; reason: string }
  | { type: "trip.rated"; trip: TripView };

export type TripEventType = TripEventPayload["type"];

/** A guarded move (arrival, completion) the driver made away from the place, with their reason. */
export interface TripGuardOverride {
  reason: string;
  /** How far the driver's last known position was from the place, metres; null when none was known. */
  distanceM: number | null;
  /** The radius that applied, metres; null when a saved place guarded the move instead. */
  radiusM: number | null;
  /** The saved place that guarded the move, when one did (`distanceM` is then from its edge). */
  placeId?: number | null;
}

/** One event as `trips.events` delivers it: the payload plus where and when. */
export type TripEvent = TripEventPayload & {
  /** The event id; the same value the subscription tracks for resume. */
  id: number;
  tripId: number;
  /** ISO time the change committed. */
  at: string;
};

/** Builds the log row: visible to the trip's rider, its driver and all dispatchers. */
export function tripEvent(payload: TripEventPayload): NewEvent {
  const { type, ...rest } = payload;
  const { trip } = payload;
  return {
    stream: "trips",
    type,
    tripId: trip.id,
    riderId: trip.rider?.id ?? null,
    driverId: trip.driver?.id ?? null,
    allDispatchers: true,
    payload: rest,
  };
}

/**
 * The copy of a `trip.reassigned` event for the driver who lost the trip: only they see it
 * (the trip's rider and the dispatchers have the main copy), so their app learns at once.
 */
export function lostTripEvent(payload: Extract<TripEventPayload, { type: "trip.reassigned" }>): NewEvent {
  const { type, ...rest } = payload;
  return { stream: "trips", type, tripId: payload.trip.id, riderId: null, driverId: payload.fromDriverId, allDispatchers: false, payload: rest };
}

type WithoutTrip<P> = P extends { trip: TripView } ? Omit<P, "trip"> : never;

/**
 * Reads the trip as it now stands inside `tx` and emits `payload` with it, so the event
 * and the change commit together.
 */
export async function emitTripEvent(tx: Tx, emit: Emit, tripId: number, payload: WithoutTrip<TripEventPayload>): Promise<TripView> {
  const trip = await readTripView(tx, tripId);
  if (!trip) throw new Error(`trip ${tripId} vanished inside its own transaction`);
  emit(tripEvent({ ...payload, trip }));
  return trip;
}

/**
 * The typed view of a stored trip event. The `trips` stream holds only rows written by
 * `tripEvent`, so the payload has the shape its type names.
 */
export function toTripEvent(event: StoredEvent): TripEvent {
  return {
    ...event.payload,
    type: event.type,
    id: event.id,
    tripId: event.tripId ?? 0,
    at: event.createdAt,
  } as TripEvent;
}
