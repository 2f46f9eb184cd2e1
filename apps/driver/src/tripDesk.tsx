import "./tripDesk.css";
import { ActiveTrip } from "./activeTrip";
import { useDriverLive } from "./driverLive";
import { LocationPanel } from "./locationPanel";
import { RideOffers } from "./rideOffers";

/** The driving part of the home screen: the trip under way or incoming rides, then location. */
export function TripDesk() {
  const { activeTrip } = useDriverLive();
  return (
    <>
      {activeTrip ? <ActiveTrip trip={activeTrip} /> : <RideOffers />}
      <LocationPanel />
    </>
  );
}
