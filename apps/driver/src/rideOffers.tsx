import type { RouterOutputs } from "@convoy/api";
import {
  errorMessage,
  formatCountdown,
  formatMoney,
  formatShortDistance,
  haversineKm,
  PlaceKey,
  trpc,
  useNow,
  useToast,
  type LatLng,
} from "@convoy/ui";
import { useDriverLive } from "./driverLive";

type OfferListItem = RouterOutputs["offers"]["list"]["items"][number];

/** A ride offer this driver can still take: open, not expired, not yet answered by them. */
function isPendingRide(offer: OfferListItem, now: number): boolean {
  const mine = offer.me?.status;
  return offer.kind === "ride" && offer.status === "open" && (mine === "sent" || mine === "viewed") && Date.parse(offer.expiresAt) > now;
}

/**
 * Incoming ride requests, each with a countdown and an Accept button. Rides go to the nearest
 * drivers at once and the first to accept wins, so these sit at the top of the home screen
 * rather than in the inbox. The list is refreshed by every offer event (LiveEventsProvider).
 */
export function RideOffers() {
  const offers = trpc.offers.list.useQuery({ status: ["open"], limit: 20 });
  const now = useNow(500);
  const { position, activeTrip } = useDriverLive();
  if (activeTrip) return null;
  const rides = (offers.data?.items ?? []).filter((offer) => isPendingRide(offer, now));
  if (rides.length === 0) return null;
  return (
    <section className="driver-rides" aria-label="Ride requests">
      {rides.map((offer) => (
        <RideOfferCard key={offer.id} offer={offer} now={now} position={position} />
      ))}
    </section>
  );
}

function RideOfferCard({ offer, now, position }: { offer: OfferListItem; now: number; position: LatLng | null }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const respond = trpc.offers.respond.useMutation({
    onSuccess: (_result, input) => {
      void utils.offers.list.invalidate();
      void utils.trips.list.invalidate();
      if (input.action === "accept") toast("Ride accepted: head to the pickup", { tone: "success" });
    },
  });
  const leftMs = Date.parse(offer.expiresAt) - now;
  const toPickupKm = position ? haversineKm(position, offer.pickup) : null;

  return (
    <article className="convoy-card driver-ride" data-offer-id={offer.id} aria-label={`Ride request ${offer.id}`}>
      <header className="driver-ride__header">
        <h2>New ride request</h2>
        <span className="driver-ride__countdown" aria-label={`${Math.max(0, Math.ceil(leftMs / 1_000))} seconds left to accept`}>
          {formatCountdown(leftMs)}
        </span>
      </header>
      <p className="driver-ride__route">
        <PlaceKey kind="pickup" />
        {offer.pickup.address}
      </p>
      <p className="driver-ride__route">
        <PlaceKey kind="dropoff" />
        {offer.dropoff.address}
      </p>
      <p className="convoy-muted">
        {formatMoney(offer.rateCents)} · {formatShortDistance(offer.distanceKm)} ride
        {toPickupKm !== null && ` · pickup ${formatShortDistance(toPickupKm)} from you`}
      </p>
      {respond.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(respond.error)}
        </p>
      )}
      <div className="driver-ride__actions">
        <button
          type="button"
          className="convoy-button convoy-button--primary driver-ride__accept"
          disabled={respond.isPending}
          onClick={() => respond.mutate({ offerId: offer.id, action: "accept" })}
        >
          {respond.isPending && respond.variables.action === "accept" ? "Accepting…" : "Accept ride"}
        </button>
        <button
          type="button"
          className="convoy-button"
          disabled={respond.isPending}
          onClick={() => respond.mutate({ offerId: offer.id, action: "reject" })}
        >
          Decline
        </button>
      </div>
    </article>
  );
}
