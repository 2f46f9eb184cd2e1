import { useState } from "react";
import {
  errorMessage,
  formatCountdown,
  formatDimensions,
  formatDistance,
  formatMoney,
  offerRef,
  offerStatusLabel,
  recipientStatusLabel,
  trpc,
  UnreadBadge,
  useNow,
  useToast,
  vehicleLabel,
} from "@convoy/ui";
import type { RouterOutputs } from "@convoy/api";
import { PresenceDot } from "./presence";

type OfferDetail = RouterOutputs["offers"]["byId"];
type Recipient = OfferDetail["recipients"][number];
type Thread = RouterOutputs["chat"]["threads"][number];

export interface OfferPanelProps {
  offerId: number;
  selectedDriverId: number | null;
  onSelectDriver: (driverId: number) => void;
}

/**
 * One offer: what it is, and each driver it went to with their live status, unread
 * messages and presence. Countered drivers can be accepted at their rate; an open offer can
 * be cancelled.
 */
export function OfferPanel({ offerId, selectedDriverId, onSelectDriver }: OfferPanelProps) {
  const offer = trpc.offers.byId.useQuery({ offerId });
  const threads = trpc.chat.threads.useQuery({ offerId });
  const threadOf = new Map((threads.data ?? []).map((thread) => [thread.driverId, thread]));
  const data = offer.data;

  return (
    <section className="convoy-card dispatch-zone dispatch-zone--offer" aria-label="Offer">
      {offer.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(offer.error)}
        </p>
      )}
      {!data && !offer.error && <p className="convoy-muted">Loading offer…</p>}
      {data && (
        <div className="dispatch-zone__scroll">
          <OfferSummary offer={data} />
          <h3 className="dispatch-section-title">Drivers</h3>
          <ul className="dispatch-recipients" aria-label="Recipients">
            {data.recipients.map((recipient) => (
              <RecipientRow
                key={recipient.driverId}
                offer={data}
                recipient={recipient}
                thread={threadOf.get(recipient.driverId)}
                selected={recipient.driverId === selectedDriverId}
                onSelect={() => onSelectDriver(recipient.driverId)}
              />
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function OfferSummary({ offer }: { offer: OfferDetail }) {
  const now = useNow();
  const toast = useToast();
  const utils = trpc.useUtils();
  const [confirming, setConfirming] = useState(false);
  const cancel = trpc.offers.cancel.useMutation({
    onSuccess: (detail) => {
      utils.offers.byId.setData({ offerId: detail.id }, detail);
      void utils.offers.list.invalidate();
      toast(`${offerRef(detail.id)} cancelled`, { tone: "success" });
      setConfirming(false);
    },
  });
  const winner = offer.recipients.find((recipient) => recipient.driverId === offer.acceptedDriverId);

  return (
    <div className="dispatch-offer-summary">
      <div className="dispatch-offer-summary__head">
        <h2>{offerRef(offer.id)}</h2>
        <span className={`convoy-pill convoy-pill--${offer.status}`} data-offer-status={offer.status}>
          {offerStatusLabel(offer.status)}
        </span>
      </div>
      <p className="dispatch-offer-summary__route">
        {offer.pickup.address} → {offer.dropoff.address}
      </p>
      <dl className="convoy-facts">
        <dt>Rate</dt>
        <dd>{formatMoney(offer.rateCents)}</dd>
        {offer.agreedRateCents !== null && (
          <>
            <dt>Agreed</dt>
            <dd>
              {formatMoney(offer.agreedRateCents)}
              {winner && ` with ${winner.driverName}`}
            </dd>
          </>
        )}
        <dt>Distance</dt>
        <dd>{formatDistance(offer.distanceKm)}</dd>
        <dt>Load</dt>
        <dd>
          {offer.weightKg.toLocaleString("en-US")} kg · {formatDimensions(offer.dimensions)}
        </dd>
        {offer.status === "open" && (
          <>
            <dt>Expires in</dt>
            <dd>{formatCountdown(Date.parse(offer.expiresAt) - now)}</dd>
          </>
        )}
        {offer.notes && (
          <>
            <dt>Notes</dt>
            <dd>{offer.notes}</dd>
          </>
        )}
      </dl>
      {offer.status === "open" &&
        (confirming ? (
          <div className="dispatch-confirm" role="group" aria-label="Confirm cancel">
            <span>Withdraw this offer from every driver?</span>
            <button
              type="button"
              className="convoy-button convoy-button--danger convoy-button--small"
              disabled={cancel.isPending}
              onClick={() => cancel.mutate({ offerId: offer.id })}
            >
              Yes, cancel offer
            </button>
            <button type="button" className="convoy-button convoy-button--small" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        ) : (
          <button type="button" className="convoy-button convoy-button--danger convoy-button--small" onClick={() => setConfirming(true)}>
            Cancel offer
          </button>
        ))}
      {cancel.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(cancel.error)}
        </p>
      )}
    </div>
  );
}

interface RecipientRowProps {
  offer: OfferDetail;
  recipient: Recipient;
  thread: Thread | undefined;
  selected: boolean;
  onSelect: () => void;
}

function RecipientRow({ offer, recipient, thread, selected, onSelect }: RecipientRowProps) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const acceptCounter = trpc.offers.acceptCounter.useMutation({
    onSuccess: (detail) => {
      utils.offers.byId.setData({ offerId: detail.id }, detail);
      void utils.offers.list.invalidate();
      toast(`Counter accepted: ${recipient.driverName} at ${formatMoney(detail.agreedRateCents ?? 0)}`, { tone: "success" });
    },
  });
  const canAcceptCounter = offer.status === "open" && recipient.status === "countered" && recipient.counterRateCents !== null;

  return (
    <li className="dispatch-recipient" data-driver-id={recipient.driverId} aria-current={selected ? "true" : undefined}>
      <button type="button" className="dispatch-recipient__open" onClick={onSelect} aria-label={`Chat with ${recipient.driverName}`}>
        <PresenceDot userId={recipient.driverId} fallback={thread?.online} />
        <span className="dispatch-recipient__name">
          {recipient.driverName}
          <span className="convoy-muted"> · {vehicleLabel(recipient.vehicleType)}</span>
        </span>
        <UnreadBadge count={thread?.unread ?? 0} />
      </button>
      <span className={`convoy-pill convoy-pill--${recipient.status}`} data-status={recipient.status}>
        {recipientStatusLabel(recipient.status, recipient.counterRateCents)}
      </span>
      {canAcceptCounter && (
        <button
          type="button"
          className="convoy-button convoy-button--primary convoy-button--small"
          disabled={acceptCounter.isPending}
          onClick={() => acceptCounter.mutate({ offerId: offer.id, driverId: recipient.driverId, counterRateCents: recipient.counterRateCents ?? 0 })}
        >
          Accept counter
        </button>
      )}
      {acceptCounter.error && (
        <p className="convoy-error dispatch-recipient__error" role="alert">
          {errorMessage(acceptCounter.error)}
        </p>
      )}
    </li>
  );
}
