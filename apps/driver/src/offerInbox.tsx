import { errorMessage, formatCountdown, formatMoney, offerRef, trpc, unreadIn, UnreadBadge, useNow, useSignedInUser, useThread } from "@convoy/ui";
import type { RouterOutputs } from "@convoy/api";
import { driverOfferState, headlineRateCents } from "./offerStatus";

type OfferListItem = RouterOutputs["offers"]["list"]["items"][number];

/** How many of the newest offers the inbox shows (and the app keeps for offline use). */
export const INBOX_SIZE = 30;

/**
 * The driver's load offers, newest first: open ones to answer, then the decided ones. Live:
 * a new offer goes in at the top, where the toast announcing it does not cover it.
 */
export function OfferInbox() {
  const offers = trpc.offers.list.useQuery({ limit: INBOX_SIZE });
  const now = useNow();
  // Ride requests have their own card at the top of the home screen (first to accept wins).
  const items = (offers.data?.items ?? []).filter((offer) => offer.kind === "load");
  const open = items.filter((offer) => driverOfferState(offer, offer.me).open);
  const past = items.filter((offer) => !driverOfferState(offer, offer.me).open);

  return (
    <section className="driver-inbox" aria-label="Offers">
      <h2>Offers</h2>
      {offers.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(offers.error)}
        </p>
      )}
      {!offers.data && !offers.error && <p className="convoy-muted">Loading offers…</p>}
      {offers.data && open.length === 0 && <p className="convoy-muted">No open offers right now. New ones appear here as they arrive.</p>}
      <ul className="driver-offer-list">
        {open.map((offer) => (
          <InboxItem key={offer.id} offer={offer} now={now} />
        ))}
      </ul>
      {past.length > 0 && (
        <>
          <h3 className="driver-inbox__past">Earlier</h3>
          <ul className="driver-offer-list">
            {past.map((offer) => (
              <InboxItem key={offer.id} offer={offer} now={now} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/**
 * One offer in the list. `offline`: what the driver last saw, shown with no network: not a
 * link (the offer's screen needs the server) and without the unread count.
 */
export function InboxItem({ offer, now, offline = false }: { offer: OfferListItem; now: number; offline?: boolean }) {
  const state = driverOfferState(offer, offer.me);
  const body = (
    <>
      <span className="driver-offer-item__top">
        <strong className="driver-offer-item__rate">{formatMoney(headlineRateCents(offer, state))}</strong>
        <span className={`convoy-pill convoy-pill--${state.key === "new" ? "sent" : state.key}`} data-status={state.key}>
          {state.label}
        </span>
        {!offline && <OfferUnread offerId={offer.id} />}
      </span>
      <span className="driver-offer-item__route">{offer.pickup.address}</span>
      <span className="driver-offer-item__route">→ {offer.dropoff.address}</span>
      <span className="convoy-muted driver-offer-item__meta">
        {offerRef(offer.id)} · {offer.weightKg.toLocaleString("en-US")} kg
        {state.open && ` · ${formatCountdown(Date.parse(offer.expiresAt) - now)} left`}
      </span>
    </>
  );
  return (
    <li>
      {offline ? (
        <div className="driver-offer-item" data-offer-id={offer.id} data-state={state.key}>
          {body}
        </div>
      ) : (
        <a className="driver-offer-item" href={`#/offers/${offer.id}`} data-offer-id={offer.id} data-state={state.key}>
          {body}
        </a>
      )}
    </li>
  );
}

/** Unread messages in this offer's chat with the dispatcher. */
export function OfferUnread({ offerId }: { offerId: number }) {
  const me = useSignedInUser();
  const thread = useThread({ offerId, driverId: me.id });
  const unread = unreadIn(thread, { id: me.id, role: "driver" });
  return <UnreadBadge count={unread.count} capped={unread.capped} />;
}
