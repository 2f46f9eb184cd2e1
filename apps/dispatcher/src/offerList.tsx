import { useMemo, useState } from "react";
import { keepPreviousData } from "@tanstack/react-query";
import { errorMessage, formatCountdown, formatMoney, offerStatusLabel, trpc, UnreadBadge, useNow, type OfferStatus } from "@convoy/ui";
import type { RouterOutputs } from "@convoy/api";

type OfferListItem = RouterOutputs["offers"]["list"]["items"][number];

const FILTERS: { label: string; statuses: OfferStatus[] }[] = [
  { label: "Open", statuses: ["open"] },
  { label: "Accepted", statuses: ["accepted", "completed"] },
  { label: "Cancelled", statuses: ["cancelled"] },
  { label: "Expired", statuses: ["expired"] },
];

/** "2 drivers · 1 countered · 1 viewed": where an offer stands at a glance. */
function recipientSummary(offer: OfferListItem): string {
  const counts = offer.recipientCounts;
  if (!counts) return "";
  const parts = [counts.total === 1 ? "1 driver" : `${counts.total} drivers`];
  if (counts.countered) parts.push(`${counts.countered} countered`);
  if (counts.viewed) parts.push(`${counts.viewed} viewed`);
  if (counts.rejected) parts.push(`${counts.rejected} rejected`);
  return parts.join(" · ");
}

export interface OfferListProps {
  selectedId: number | null;
  onSelect: (offerId: number) => void;
}

/**
 * The dispatcher's offers, newest first, by status; pages in as the list is scrolled through.
 * Each offer with unread messages carries its count, from the same `chat.unreadCount` answer
 * as the nav badge, so the marks add up to the badge; offers with unread messages that this
 * filter or page does not show are named under the list, so every unread one can be reached.
 */
export function OfferList({ selectedId, onSelect }: OfferListProps) {
  const [filter, setFilter] = useState(FILTERS[0]!);
  const now = useNow();
  const offers = trpc.offers.list.useInfiniteQuery(
    { status: filter.statuses, limit: 30 },
    { getNextPageParam: (page) => page.nextCursor, placeholderData: keepPreviousData },
  );
  const items = offers.data?.pages.flatMap((page) => page.items) ?? [];
  const unread = trpc.chat.unreadCount.useQuery();
  const unreadByOffer = useMemo(() => new Map((unread.data?.byOffer ?? []).map((offer) => [offer.offerId, offer.unread])), [unread.data]);
  const listed = new Set(items.map((offer) => offer.id));
  const unlisted = (unread.data?.byOffer ?? []).filter((offer) => !listed.has(offer.offerId));

  return (
    <section className="convoy-card dispatch-zone dispatch-zone--list" aria-label="Offers">
      <div className="dispatch-zone__head">
        <h2>Offers</h2>
        <div className="dispatch-filters" role="group" aria-label="Offer status">
          {FILTERS.map((option) => (
            <button key={option.label} type="button" className="dispatch-filter" aria-pressed={option === filter} onClick={() => setFilter(option)}>
              {option.label}
            </button>
          ))}
        </div>
      </div>
      {offers.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(offers.error)}
        </p>
      )}
      <ul className="dispatch-zone__scroll dispatch-offer-list">
        {items.map((offer) => (
          <li key={offer.id}>
            <button
              type="button"
              className="dispatch-offer-item"
              aria-current={offer.id === selectedId ? "true" : undefined}
              data-offer-id={offer.id}
              onClick={() => onSelect(offer.id)}
            >
              <span className="dispatch-offer-item__top">
                <strong>#{offer.id}</strong>
                <UnreadBadge count={unreadByOffer.get(offer.id) ?? 0} />
                <span className={`convoy-pill convoy-pill--${offer.status}`}>{offerStatusLabel(offer.status)}</span>
                <span className="dispatch-offer-item__rate">{formatMoney(offer.agreedRateCents ?? offer.rateCents)}</span>
              </span>
              <span className="dispatch-offer-item__route">
                {offer.pickup.address} → {offer.dropoff.address}
              </span>
              <span className="convoy-muted dispatch-offer-item__meta">
                {recipientSummary(offer)}
                {offer.status === "open" && ` · ${formatCountdown(Date.parse(offer.expiresAt) - now)} left`}
              </span>
            </button>
          </li>
        ))}
        {offers.data && items.length === 0 && <li className="convoy-muted dispatch-empty">No {filter.label.toLowerCase()} offers.</li>}
        {offers.data && unlisted.length > 0 && (
          <li className="dispatch-unlisted-unread" aria-label="Unread in offers not listed">
            <span className="convoy-muted">Unread in offers not listed here:</span>
            {unlisted.map((offer) => (
              <button
                key={offer.offerId}
                type="button"
                className="dispatch-filter"
                data-unread-offer-id={offer.offerId}
                onClick={() => onSelect(offer.offerId)}
              >
                #{offer.offerId} <UnreadBadge count={offer.unread} />
              </button>
            ))}
          </li>
        )}
        {!offers.data && !offers.error && <li className="convoy-muted dispatch-empty">Loading offers…</li>}
        {offers.hasNextPage && (
          <li>
            <button
              type="button"
              className="convoy-button convoy-button--quiet"
              disabled={offers.isFetchingNextPage}
              onClick={() => void offers.fetchNextPage()}
            >
              {offers.isFetchingNextPage ? "Loading…" : "Older offers"}
            </button>
          </li>
        )}
      </ul>
    </section>
  );
}
