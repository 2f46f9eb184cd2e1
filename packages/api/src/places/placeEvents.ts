import type { NewEvent, StoredEvent } from "../events/types";
import type { PlaceView } from "./views";

/** A driver's position when a visit changed: the point that showed it, on the driver's clock. */
export interface VisitPoint {
  lat: number;
  lng: number;
  /** ISO time the point was recorded. */
  recordedAt: string;
}

/**
 * What happens on the `places` stream, a discriminated union on `type`. Every row is visible
 * to every dispatcher (places are shared; see README, "Places and geofences"), to nobody else.
 *
 * - place.created / place.updated  a dispatcher saved a place; the place as it now is
 * - place.deleted                  a dispatcher removed one
 * - place.entered                  a driver's first point inside it
 * - place.dwelled                  the driver has been inside its dwell time (once per visit)
 * - place.left                     the driver's first point outside it again
 */
export type PlaceEventPayload =
  | { type: "place.created"; place: PlaceView }
  | { type: "place.updated"; place: PlaceView }
  | { type: "place.deleted"; placeId: number; name: string }
  | { type: "place.entered"; placeId: number; placeName: string; driverId: number; driverName: string; point: VisitPoint }
  | {
      type: "place.dwelled";
      placeId: number;
      placeName: string;
      driverId: number;
      driverName: string;
      point: VisitPoint;
      /** ISO time of the first point inside. */
      enteredAt: string;
      /** The dwell time that applied, seconds. */
      dwellSeconds: number;
    }
  | {
      type: "place.left";
      placeId: number;
      placeName: string;
      driverId: number;
      driverName: string;
      point: VisitPoint;
      /** ISO time of the first point inside, when this instance knew it. */
      enteredAt: string;
    };

export type PlaceVisitPayload = Extract<PlaceEventPayload, { driverId: number }>;

/** One event as `places.events` delivers it: the payload plus its id and commit time. */
export type PlaceEvent = PlaceEventPayload & {
  /** The event id; the same value the subscription tracks for resume. */
  id: number;
  /** ISO time the event committed. */
  at: string;
};

/** The log row: every dispatcher sees it; a visit also names its driver (for scoping). */
export function placeEvent(payload: PlaceEventPayload): NewEvent {
  const { type, ...rest } = payload;
  return { stream: "places", type, driverId: "driverId" in payload ? payload.driverId : null, allDispatchers: true, payload: rest };
}

/** The typed view of a stored `places` event; the stream holds only rows written by `placeEvent`. */
export function toPlaceEvent(event: StoredEvent): PlaceEvent {
  return { ...event.payload, type: event.type, id: event.id, at: event.createdAt } as PlaceEvent;
}
