import type { TripTrackingFrame, TripView } from "@convoy/api";
import {
  ConvoyMap,
  errorMessage,
  formatDriverRating,
  formatEtaWithSource,
  formatMoney,
  formatShortDistance,
  isOpenTrip,
  isTrackableTrip,
  NO_DRIVER_REASON,
  ShareTracking,
  vehicleLabel,
  type MapLine,
  type MapMarker,
  usePlannedTripLine,
} from "@convoy/ui";
import { CancelTrip, RateTrip } from "./tripActions";
import { TripTimeline } from "./tripTimeline";
import { useLiveTrip, type SearchState } from "./useLiveTrip";

/** A rider may cancel until the ride starts. */
const RIDER_CANCELLABLE: readonly TripView["status"][] = ["requested", "assigned", "en_route", "arrived"];

export interface TripScreenProps {
  tripId: number;
  /** Leave this trip's screen for a new request; `retry` pre-fills it with this trip's places. */
  onNewRequest: (retry: TripView | null) => void;
}

/** The rider's trip, live: headline, ETA, driver, map, progress, and what they can do now. */
export function TripScreen({ tripId, onNewRequest }: TripScreenProps) {
  const { trip, search, frame, route } = useLiveTrip(tripId);

  if (trip.error) {
    return (
      <p className="convoy-error" role="alert">
        {errorMessage(trip.error)}
      </p>
    );
  }
  if (!trip.data) return <p className="convoy-muted">Loading your trip…</p>;
  const data = trip.data;
  const noDriver = data.status === "cancelled" && data.cancelReason === NO_DRIVER_REASON;

  return (
    <div className="rider-trip" data-trip-id={data.id} data-status={data.status}>
      <div className="rider-trip__map">
        <TripMap trip={data} frame={frame} driverRoute={route} />
      </div>
      <div className="rider-trip__panel">
        <section className={`convoy-card rider-status${noDriver ? " rider-status--problem" : ""}`} aria-live="polite">
          <h2 className="rider-status__headline">{headline(data)}</h2>
          <StatusDetail trip={data} search={search} />
          <Eta trip={data} frame={frame} />
        </section>
        {data.driver && <DriverCard driver={data.driver} />}
        {isTrackableTrip(data.status) && <ShareTracking tripId={data.id} canCreate />}
        {RIDER_CANCELLABLE.includes(data.status) && <CancelTrip trip={data} />}
        {data.status === "completed" && <RateTrip trip={data} />}
        {!isOpenTrip(data.status) && (
          <div className="rider-actions">
            {noDriver && (
              <button type="button" className="convoy-button convoy-button--primary" onClick={() => onNewRequest(data)}>
                Try again
              </button>
            )}
            <button type="button" className={`convoy-button${noDriver ? "" : " convoy-button--primary"}`} onClick={() => onNewRequest(null)}>
              Request another ride
            </button>
          </div>
        )}
        <section className="convoy-card" aria-label="Trip details">
          <dl className="convoy-facts">
            <dt>From</dt>
            <dd>{data.pickup.address}</dd>
            <dt>To</dt>
            <dd>{data.dropoff.address}</dd>
            {data.vehicleClass && (
              <>
                <dt>Vehicle</dt>
                <dd>{vehicleLabel(data.vehicleClass)}</dd>
              </>
            )}
            {data.fareCents !== null && (
              <>
                <dt>{data.status === "requested" ? "Estimate" : "Fare"}</dt>
                <dd>{formatMoney(data.fareCents)}</dd>
              </>
            )}
          </dl>
          <TripTimeline trip={data} searchStartedAt={search?.startedAt ?? null} />
        </section>
      </div>
    </div>
  );
}

function headline(trip: TripView): string {
  const driver = trip.driver?.name ?? "Your driver";
  switch (trip.status) {
    case "requested":
      return "Looking for a driver…";
    case "assigned":
      return `${driver} accepted your ride`;
    case "en_route":
      return `${driver} is on the way`;
    case "arrived":
      return `${driver} is at the pickup`;
    case "in_progress":
      return "On your way";
    case "completed":
      return "You have arrived";
    case "cancelled":
      return trip.cancelReason === NO_DRIVER_REASON ? "No driver found" : "Trip cancelled";
  }
}

function StatusDetail({ trip, search }: { trip: TripView; search: SearchState | null }) {
  if (trip.status === "requested") {
    return (
      <p className="convoy-muted">
        {search
          ? `Offered to ${search.driverCount} driver${search.driverCount === 1 ? "" : "s"} within ${search.radiusKm} km.`
          : "Asking the nearest drivers."}
      </p>
    );
  }
  if (trip.status === "cancelled") {
    return trip.cancelReason === NO_DRIVER_REASON ? (
      <p className="rider-status__problem">No driver near your pickup accepted the ride. Try again in a minute or from a busier street.</p>
    ) : (
      <p className="convoy-muted">Reason: {trip.cancelReason ?? "not given"}</p>
    );
  }
  if (trip.status === "arrived") return <p className="convoy-muted">Meet your driver at {trip.pickup.address}.</p>;
  if (trip.reassignments > 0 && trip.driver && trip.status !== "completed") {
    return (
      <p className="convoy-notice rider-status__reassigned" data-driver-id={trip.driver.id}>
        Your driver changed: {trip.driver.name} is taking over your ride.
      </p>
    );
  }
  return null;
}

/** Distance and time to where the driver is heading; changes with every position the driver sends. */
function Eta({ trip, frame }: { trip: TripView; frame: TripTrackingFrame | null }) {
  if (!isOpenTrip(trip.status) || trip.status === "requested") return null;
  if (!frame || frame.etaSeconds === null || frame.distanceKm === null) {
    return <p className="rider-eta rider-eta--unknown">Waiting for the driver's position…</p>;
  }
  const where = frame.target === "dropoff" ? "to your dropoff" : "until pickup";
  const source = frame.etaSource ?? "estimate";
  return (
    <p className="rider-eta" data-eta-seconds={frame.etaSeconds} data-eta-source={source}>
      <strong>{formatEtaWithSource(frame.etaSeconds, source)}</strong> {where} · {formatShortDistance(frame.distanceKm)}{" "}
      {source === "route" ? "by road" : "away"}
    </p>
  );
}

function DriverCard({ driver }: { driver: NonNullable<TripView["driver"]> }) {
  return (
    <section className="convoy-card rider-driver" aria-label="Your driver">
      <span className="rider-driver__avatar" aria-hidden="true">
        {driver.name.slice(0, 1)}
      </span>
      <div>
        <p className="rider-driver__name">{driver.name}</p>
        <p className="convoy-muted">
          {vehicleLabel(driver.vehicleType)} · {formatDriverRating(driver.rating, driver.ratingCount)}
        </p>
      </div>
    </section>
  );
}

/**
 * Pickup, dropoff and the driver; the driver's road to where they are heading when the
 * routing engine gave one, and the planned pickup → dropoff road (or a dashed straight line
 * when it is only an estimate).
 */
function TripMap({ trip, frame, driverRoute }: { trip: TripView; frame: TripTrackingFrame | null; driverRoute: TripTrackingFrame["route"] }) {
  const planned = usePlannedTripLine(trip);
  const markers: MapMarker[] = [
    { id: "pickup", position: trip.pickup, tone: "pickup", title: `Pickup: ${trip.pickup.address}` },
    { id: "dropoff", position: trip.dropoff, tone: "dropoff", title: `Dropoff: ${trip.dropoff.address}` },
  ];
  const driverAt = frame?.position ?? null;
  if (driverAt) {
    markers.push({
      id: "driver",
      position: { lat: driverAt.lat, lng: driverAt.lng },
      tone: "driver",
      title: `Your driver${trip.driver ? `: ${trip.driver.name}` : ""}`,
      animate: true,
    });
  }
  // Re-frame when the trip or its phase changes, or the driver first appears; not on every move.
  const fitKey = `${trip.id}-${frame?.target ?? "none"}-${driverAt ? "driver" : "nodriver"}`;
  const lines: MapLine[] = [planned];
  if (driverRoute && driverRoute.length >= 2) lines.push({ id: "driver-route", tone: "road", points: driverRoute });
  const fitPoints = driverAt ? [driverAt, frame?.target === "dropoff" ? trip.dropoff : trip.pickup] : [trip.pickup, trip.dropoff];
  return (
    <ConvoyMap
      label="Trip map"
      className="rider-map"
      center={trip.pickup}
      zoom={14}
      markers={markers}
      lines={lines}
      fit={{ key: fitKey, points: fitPoints }}
    />
  );
}
