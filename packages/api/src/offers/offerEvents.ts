import type { OfferKind } from "@convoy/db";
import type { NewEvent, StoredEvent } from "../events/types";
import type { OfferSummary } from "./views";

/**
 * What happens on the `offers` stream, as a discriminated union on `type`.
 *
 * Who sees what (each row is visible to the offer's dispatcher and/or ONE driver):
 * - offer.created    dispatcher        the offer and every driver it went to
 * - offer.received   each recipient    the offer, and nothing about the other drivers
 * - offer.viewed     dispatcher + that driver
 * - offer.countered  dispatcher + that driver (the only place a counter rate travels)
 * - offer.rejected   dispatcher + that driver
 * - offer.accepted   dispatcher        who won, at what rate, and the trip
 * - offer.won        the winner
 * - offer.lost       dispatcher + each driver who was still in play when another won
 * - offer.cancelled  dispatcher
 * - offer.withdrawn  each driver who was still in play when the dispatcher cancelled
 * - offer.expired    dispatcher, and each driver who was still in play
 *
 * Drivers who already rejected get no closing event: their answer is final already.
 */
export type OfferEventPayload =
  | { type: "offer.created"; offer: OfferSummary; driverIds: number[] }
  | { type: "offer.received"; offer: OfferSummary }
  | { type: "offer.viewed"; driverId: number; viewedAt: string }
  | { type: "offer.countered"; driverId: number; counterRateCents: number; respondedAt: string }
  | { type: "offer.rejected"; driverId: number; respondedAt: string }
  | {
      type: "offer.accepted";
      driverId: number;
      driverName: string;
      agreedRateCents: number;
      tripId: number;
      /** `driver`: the driver accepted the offered rate; `counter`: the dispatcher accepted their counter. */
      via: "driver" | "counter";
    }
  | { type: "offer.won"; driverId: number; agreedRateCents: number; tripId: number }
  | { type: "offer.lost"; driverId: number }
  | { type: "offer.cancelled"; withdrawnDriverIds: number[] }
  | { type: "offer.withdrawn"; driverId: number }
  | { type: "offer.expired"; expiresAt: string };

export type OfferEventType = OfferEventPayload["type"];

/** One event as `offers.events` delivers it: the payload plus where and when. */
export type OfferEvent = OfferEventPayload & {
  /** The event id; the same value the subscription tracks for resume. */
  id: number;
  offerId: number;
  /** ISO time the change committed. */
  at: string;
};

/** Who an offer event row is for: the offer's dispatcher, one driver, or both. */
export interface OfferAudience {
  dispatcherId?: number;
  driverId?: number;
}

/**
 * Who hears an offer's owner-facing events: a load's dispatcher. A ride offer's creator is
 * its rider, who follows the ride on the `trips` stream instead, so it has no such audience
 * (undefined) and its owner-only events are not written at all.
 */
export function offerOwner(offer: { kind: OfferKind; createdBy: number }): number | undefined {
  return offer.kind === "ride" ? undefined : offer.createdBy;
}

/** Builds the log row for an offer event; the payload's `type` becomes the row's type column. */
export function offerEvent(offerId: number, audience: OfferAudience, payload: OfferEventPayload): NewEvent {
  const { type, ...rest } = payload;
  return {
    stream: "offers",
    type,
    offerId,
    dispatcherId: audience.dispatcherId ?? null,
    driverId: audience.driverId ?? null,
    payload: rest,
  };
}

/**
 * The typed view of a stored offer event. The `offers` stream holds only rows written by
 * `offerEvent`, so the payload has the shape its type names.
 */
export function toOfferEvent(event: StoredEvent): OfferEvent {
  return {
    ...event.payload,
    type: event.type,
    id: event.id,
    offerId: event.offerId ?? 0,
    at: event.createdAt,
  } as OfferEvent;
}
