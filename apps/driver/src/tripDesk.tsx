import "./tripDesk.css";
import { ActiveTrip } from "./activeTrip";
import { useDriverLive } from "./driverLive";
import { LocationPanel } from "./locationPanel";
import { RideOffers } from "./rideOffers";

/**
 * The driving part of the home screen: what dispatch or the rider just did to the driver's
 * trip (handed it on, handed them one, cancelled it) or the server noticed (arrived by itself), the trip under way or incoming rides,
 * then location.
 */
export function TripDesk() {
  const { activeTrip, notice, dismissNotice } = useDriverLive();
  return (
    <>
      {notice && (
        <div className="convoy-notice driver-trip-notice" role="status" data-notice={notice.kind} data-trip-id={notice.tripId}>
          <span>{notice.text}</span>
          <button type="button" className="convoy-button convoy-button--quiet" onClick={dismissNotice} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {activeTrip ? <ActiveTrip key={activeTrip.id} trip={activeTrip} /> : <RideOffers />}
      <LocationPanel />
    </>
  );
}
