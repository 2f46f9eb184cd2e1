import type { ChatMessage } from "../chat/messages";
import { isVisibleTo, type StoredEvent, type Viewer } from "../events/types";
import { formatCents } from "../lib/money";
import type { OfferEventPayload } from "../offers/offerEvents";
import type { TripEventPayload } from "../trips/tripEvents";
import { tripWords } from "../trips/words";

/**
 * What a push message carries, and all it carries: words for the notification and where a
 * click leads. The service worker shows it as it is. No ids beyond those in `url`/`tag`,
 * no tokens, no prices the recipient may not see.
 */
export interface PushNotification {
  title: string;
  body: string;
  /** Where a click leads: a hash route of the recipient's app, e.g. "#/offers/12". */
  url: string;
  /** Notifications with the same tag replace each other (one per offer, thread or trip). */
  tag: string;
}

/** One notification for one user; `viewer.role` is the app it is for. */
export interface PushDelivery {
  viewer: Viewer;
  notification: PushNotification;
}

/** Longest chat excerpt in a notification, in characters. */
const CHAT_EXCERPT = 140;

function excerpt(text: string): string {
  return text.length <= CHAT_EXCERPT ? text : `${text.slice(0, CHAT_EXCERPT - 1)}…`;
}

function forDriver(driverId: number | null, notification: PushNotification): PushDelivery[] {
  return driverId === null ? [] : [{ viewer: { userId: driverId, role: "driver" }, notification }];
}

function forDispatcher(dispatcherId: number | null, notification: PushNotification): PushDelivery[] {
  return dispatcherId === null ? [] : [{ viewer: { userId: dispatcherId, role: "dispatcher" }, notification }];
}

/**
 * Offers: a driver hears of an offer sent to them, and of a counter of theirs the dispatcher
 * accepted; a dispatcher hears of counters and of accepts by a driver. What people did
 * themselves (a dispatcher accepting a counter, a driver accepting) is not pushed to them.
 */
function offerPushes(event: StoredEvent, batch: readonly StoredEvent[]): PushDelivery[] {
  const payload = { ...event.payload, type: event.type } as OfferEventPayload;
  const offerId = event.offerId ?? 0;
  switch (payload.type) {
    case "offer.received": {
      const { offer } = payload;
      return forDriver(event.driverId, {
        title: `New ${offer.kind} offer: ${formatCents(offer.rateCents)}`,
        body: `${offer.pickup.address} → ${offer.dropoff.address}`,
        url: `#/offers/${offerId}`,
        tag: `offer-${offerId}`,
      });
    }
    case "offer.countered":
      return forDispatcher(event.dispatcherId, {
        title: `Counter on offer #${offerId}`,
        body: `A driver asks ${formatCents(payload.counterRateCents)}`,
        url: `#/offers/${offerId}/drivers/${payload.driverId}`,
        tag: `offer-${offerId}-driver-${payload.driverId}`,
      });
    case "offer.accepted":
      if (payload.via !== "driver") return [];
      return forDispatcher(event.dispatcherId, {
        title: `Offer #${offerId} accepted`,
        body: `${payload.driverName} accepted at ${formatCents(payload.agreedRateCents)}`,
        url: `#/offers/${offerId}/drivers/${payload.driverId}`,
        tag: `offer-${offerId}`,
      });
    case "offer.won": {
      // Only when the dispatcher accepted the driver's counter: a driver's own accept is no news to them.
      const counterAccepted = batch.some(
        (other) => other.offerId === event.offerId && other.type === "offer.accepted" && other.payload.via === "counter",
      );
      if (!counterAccepted) return [];
      return forDriver(event.driverId, {
        title: `Your counter on offer #${offerId} was accepted`,
        body: `Trip #${payload.tripId} at ${formatCents(payload.agreedRateCents)} is yours`,
        url: "#/",
        tag: `offer-${offerId}`,
      });
    }
    default:
      return [];
  }
}

/** Chat: a person's message goes to the other side of the thread; offer activity lines are not pushed (the offer pushes cover them). */
function chatPushes(event: StoredEvent): PushDelivery[] {
  if (event.type !== "message") return [];
  const message = event.payload.message as ChatMessage;
  if (message.senderId === null || message.kind !== "text") return [];
  const notification = (title: string, url: string): PushNotification => ({
    title,
    body: excerpt(message.body),
    url,
    tag: `chat-${message.offerId}-${message.driverId}`,
  });
  if (message.senderId === event.driverId) {
    return forDispatcher(
      event.dispatcherId,
      notification(`Driver message on offer #${message.offerId}`, `#/offers/${message.offerId}/drivers/${message.driverId}`),
    );
  }
  return forDriver(event.driverId, notification(`Dispatcher message on offer #${message.offerId}`, `#/offers/${message.offerId}/chat`));
}

/**
 * Trips: the driver hears of what others did to their trip (a dispatcher reassigning,
 * cancelling or changing its radius, the server detecting arrival); what the driver did
 * themselves, and the winning of it (an offer push already said so), is not pushed.
 */
function tripPushes(event: StoredEvent): PushDelivery[] {
  const payload = { ...event.payload, type: event.type } as TripEventPayload;
  const { trip } = payload;
  const words = tripWords(trip.kind);
  const title = words.title(trip.id);
  const tag = `trip-${trip.id}`;
  switch (payload.type) {
    case "trip.status_changed":
      if (!payload.automatic) return [];
      return forDriver(event.driverId, { title, body: `Now: ${words.status[payload.to]}`, url: "#/", tag });
    case "trip.reassigned": {
      const body = event.driverId === payload.toDriverId ? "A dispatcher gave this trip to you" : "A dispatcher gave this trip to another driver";
      return forDriver(event.driverId, { title, body: payload.reason ? `${body}: ${excerpt(payload.reason)}` : body, url: "#/", tag });
    }
    case "trip.cancelled":
      return forDriver(event.driverId, { title: `${title} cancelled`, body: excerpt(payload.reason), url: "#/", tag });
    case "trip.radius_changed":
      return forDriver(event.driverId, { title, body: `Arrival radius is now ${payload.radiusM} m`, url: "#/", tag });
    default:
      return [];
  }
}

/**
 * The notifications a batch of committed events (one transaction's) calls for. Each is
 * addressed to someone the event row is visible to, by the same rule the streams apply
 * (`isVisibleTo`), so a push never tells anyone more than their own stream would.
 */
export function pushesFor(batch: readonly StoredEvent[]): PushDelivery[] {
  const deliveries: PushDelivery[] = [];
  for (const event of batch) {
    const found = event.stream === "offers" ? offerPushes(event, batch) : event.stream === "chat" ? chatPushes(event) : tripPushes(event);
    for (const delivery of found) if (isVisibleTo(event, delivery.viewer)) deliveries.push(delivery);
  }
  return deliveries;
}
