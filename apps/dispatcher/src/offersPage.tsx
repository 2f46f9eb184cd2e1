import { ChatPanel } from "./chatPanel";
import { OfferList } from "./offerList";
import { OfferPanel } from "./offerPanel";

export interface OffersPageProps {
  offerId: number | null;
  driverId: number | null;
  navigate: (route: string) => void;
}

/** Three zones: the offers, the chosen offer's drivers, and the chat with the chosen driver. */
export function OffersPage({ offerId, driverId, navigate }: OffersPageProps) {
  return (
    <div className="dispatch-offers">
      <OfferList selectedId={offerId} onSelect={(id) => navigate(`/offers/${id}`)} />
      {offerId === null ? (
        <section className="convoy-card dispatch-zone dispatch-placeholder">
          <p className="convoy-muted">Choose an offer to see its drivers.</p>
        </section>
      ) : (
        <OfferPanel
          key={offerId}
          offerId={offerId}
          selectedDriverId={driverId}
          onSelectDriver={(id) => navigate(`/offers/${offerId}/drivers/${id}`)}
        />
      )}
      {offerId !== null && driverId !== null ? (
        <ChatPanel offerId={offerId} driverId={driverId} />
      ) : (
        <section className="convoy-card dispatch-zone dispatch-placeholder">
          <p className="convoy-muted">Choose a driver to chat with.</p>
        </section>
      )}
    </div>
  );
}
