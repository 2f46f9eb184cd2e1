import { useEffect, useRef, useState, type SyntheticEvent } from "react";
import { respondInputSchema } from "@convoy/api/schemas";
import {
  errorMessage,
  formatCountdown,
  formatDimensions,
  formatMoney,
  offerKindLabel,
  offerRef,
  parseDollars,
  PLACE_WORDS,
  PlaceKey,
  trpc,
  useNow,
  useToast,
} from "@convoy/ui";
import { OfferUnread } from "./offerInbox";
import { driverOfferState, headlineRateCents, outcomeMessage, type DriverOffer } from "./offerStatus";
import { RouteMap } from "./routeMap";

/**
 * One offer for the driver: marked viewed on open, counting down to expiry, with accept,
 * reject and counter while it is open, and the outcome (won, lost, withdrawn, expired)
 * appearing live when it is decided.
 */
export function OfferScreen({ offerId }: { offerId: number }) {
  const utils = trpc.useUtils();
  const offer = trpc.offers.byId.useQuery({ offerId });
  const markViewed = trpc.offers.markViewed.useMutation({
    onSuccess: (detail) => {
      utils.offers.byId.setData({ offerId }, detail);
      void utils.offers.list.invalidate();
    },
  });

  const me = offer.data?.recipients[0];
  const viewRequested = useRef(false);
  useEffect(() => {
    if (viewRequested.current || offer.data?.status !== "open" || me?.status !== "sent") return;
    viewRequested.current = true;
    markViewed.mutate({ offerId });
    // `markViewed` is a new object every render; the ref makes this run once per screen.
  }, [offer.data?.status, me?.status, offerId, markViewed]);

  return (
    <div className="driver-offer">
      <a className="driver-back" href="#/">
        ← Offers
      </a>
      {offer.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(offer.error)}
        </p>
      )}
      {!offer.data && !offer.error && <p className="convoy-muted">Loading offer…</p>}
      {offer.data && <OfferDetails offer={offer.data} />}
    </div>
  );
}

function OfferDetails({ offer }: { offer: DriverOffer }) {
  const now = useNow();
  const me = offer.recipients[0];
  const state = driverOfferState(offer, me);
  const outcome = outcomeMessage(state, offer);
  const msLeft = Date.parse(offer.expiresAt) - now;
  const headline = headlineRateCents(offer, state);

  return (
    <>
      <section className="convoy-card driver-offer__card">
        <div className="driver-offer__head">
          <h1>{formatMoney(headline)}</h1>
          <span className={`convoy-pill convoy-pill--${state.key === "new" ? "sent" : state.key}`} data-status={state.key}>
            {state.label}
          </span>
        </div>
        <p className="convoy-muted">
          {offerKindLabel(offer.kind)} · {offerRef(offer.id)} from {offer.dispatcher.name}
          {headline !== offer.rateCents && ` · offered at ${formatMoney(offer.rateCents)}`}
        </p>
        {state.open && (
          <p className="driver-countdown" aria-live="off">
            {msLeft > 0 ? `Expires in ${formatCountdown(msLeft)}` : "Expiring…"}
          </p>
        )}
        {outcome && (
          <p className={`driver-outcome driver-outcome--${state.key}`} data-outcome={state.key}>
            {outcome}
          </p>
        )}
        <RouteMap offerId={offer.id} pickup={offer.pickup} dropoff={offer.dropoff} distanceKm={offer.distanceKm} />
        <dl className="convoy-facts">
          <dt>
            <PlaceKey kind="pickup" /> {PLACE_WORDS.pickup.name}
          </dt>
          <dd>{offer.pickup.address}</dd>
          <dt>
            <PlaceKey kind="dropoff" /> {PLACE_WORDS.dropoff.name}
          </dt>
          <dd>{offer.dropoff.address}</dd>
          {offer.kind === "load" && (
            <>
              <dt>Load</dt>
              <dd>
                {offer.weightKg.toLocaleString("en-US")} kg · {formatDimensions(offer.dimensions)}
              </dd>
            </>
          )}
          {offer.notes && (
            <>
              <dt>Notes</dt>
              <dd>{offer.notes}</dd>
            </>
          )}
        </dl>
      </section>
      {state.open && <OfferActions offer={offer} />}
      {offer.kind === "load" && (
        <a className="convoy-button driver-chat-link" href={`#/offers/${offer.id}/chat`}>
          Chat with dispatcher
          <OfferUnread offerId={offer.id} />
        </a>
      )}
    </>
  );
}

function OfferActions({ offer }: { offer: DriverOffer }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const me = offer.recipients[0];
  const [counter, setCounter] = useState("");
  const [counterError, setCounterError] = useState<string | null>(null);
  const [confirmReject, setConfirmReject] = useState(false);
  const respond = trpc.offers.respond.useMutation({
    onSuccess: (detail, input) => {
      utils.offers.byId.setData({ offerId: detail.id }, detail);
      void utils.offers.list.invalidate();
      if (input.action === "counter") {
        setCounter("");
        toast(`Counter sent: ${formatMoney(input.counterRateCents)}`, { tone: "success" });
      } else if (input.action === "reject") {
        toast("Offer rejected");
      }
    },
  });

  const sendCounter = (event: SyntheticEvent) => {
    event.preventDefault();
    const cents = parseDollars(counter);
    const parsed = respondInputSchema.safeParse({ offerId: offer.id, action: "counter", counterRateCents: cents ?? undefined });
    if (cents === null || !parsed.success) {
      setCounterError(cents === null ? "Enter an amount in dollars, e.g. 520 or 520.50" : (parsed.error?.issues[0]?.message ?? "Invalid rate"));
      return;
    }
    setCounterError(null);
    respond.mutate(parsed.data);
  };

  return (
    <section className="convoy-card driver-actions" aria-label="Answer">
      {me?.status === "countered" && me.counterRateCents !== null && (
        <p className="convoy-muted">Your counter: {formatMoney(me.counterRateCents)}. You can revise it while the offer is open.</p>
      )}
      <button
        type="button"
        className="convoy-button convoy-button--primary"
        disabled={respond.isPending}
        onClick={() => respond.mutate({ offerId: offer.id, action: "accept" })}
      >
        Accept {formatMoney(offer.rateCents)}
      </button>
      {offer.kind === "load" && (
        <form className="driver-counter" onSubmit={sendCounter} noValidate>
          <label className="convoy-field">
            <span>Counter rate ($)</span>
            <input
              inputMode="decimal"
              placeholder={(offer.rateCents / 100).toFixed(2)}
              value={counter}
              aria-invalid={counterError !== null}
              onChange={(event) => {
                setCounter(event.target.value);
                setCounterError(null);
              }}
            />
          </label>
          <button type="submit" className="convoy-button" disabled={respond.isPending}>
            Send counter
          </button>
          {counterError && <span className="convoy-field__error">{counterError}</span>}
        </form>
      )}
      {confirmReject ? (
        <div className="driver-confirm" role="group" aria-label="Confirm reject">
          <span>Reject this offer? You cannot take it back.</span>
          <button
            type="button"
            className="convoy-button convoy-button--danger"
            disabled={respond.isPending}
            onClick={() => respond.mutate({ offerId: offer.id, action: "reject" })}
          >
            Yes, reject
          </button>
          <button type="button" className="convoy-button" onClick={() => setConfirmReject(false)}>
            Keep it
          </button>
        </div>
      ) : (
        <button type="button" className="convoy-button convoy-button--danger" onClick={() => setConfirmReject(true)}>
          Reject
        </button>
      )}
      {respond.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(respond.error)}
        </p>
      )}
    </section>
  );
}
