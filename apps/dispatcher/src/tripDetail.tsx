import { useCallback, useState } from "react";
import type { LivePosition, TripTrackingFrame, TripView } from "@convoy/api";
import { tripWords } from "@convoy/api/schemas";
import {
  ConvoyMap,
  errorMessage,
  formatDriverRating,
  formatEtaWithSource,
  formatMoney,
  formatShortDistance,
  formatTime,
  isTrackableTrip,
  NO_DRIVER_REASON,
  ShareTracking,
  skipToken,
  trpc,
  vehicleLabel,
  type LatLng,
  type MapMarker,
  usePlannedTripLine,
} from "@convoy/ui";

import { DeliveryProof } from "./deliveryProof";
import { TripActions, TripHistory } from "./tripActions";

/** The statuses with the column that stamps them, in a trip's order; labelled in the trip's own words. */
const STEPS: { status: TripView["status"]; at: (trip: TripView) => string | null }[] = [
  { status: "requested", at: (trip) => trip.requestedAt },
  { status: "assigned", at: (trip) => trip.assignedAt },
  { status: "en_route", at: (trip) => trip.enRouteAt },
  { status: "arrived", at: (trip) => trip.arrivedAt },
  { status: "in_progress", at: (trip) => trip.inProgressAt },
  { status: "completed", at: (trip) => trip.completedAt },
  { status: "cancelled", at: (trip) => trip.cancelledAt },
];

/**
 * The driver's trail over the trip: `tracking.history` for the trip's window (assigned until it
 * ended, or until this screen opened), then every live position `tracking.onTrip` brings.
 */
function useBreadcrumb(trip: TripView | undefined) {
  const [openedAt] = useState(() => Date.now());
  const [live, setLive] = useState<{ at: number; point: LatLng }[]>([]);
  const driverId = trip?.driver?.id;
  const from = trip?.assignedAt ? Date.parse(trip.assignedAt) : null;
  const ended = trip?.completedAt ?? trip?.cancelledAt ?? null;
  const to = ended ? Date.parse(ended) : openedAt;
  const history = trpc.tracking.history.useQuery(
    { driverId: driverId ?? 0, from: from ?? 0, to: Math.max(to, from ?? 0) },
    { enabled: driverId !== undefined && from !== null, staleTime: Infinity },
  );

  const add = useCallback((position: LivePosition) => {
    setLive((previous) => {
      const last = previous.at(-1);
      if (last && position.recordedAt <= last.at) return previous;
      return [...previous, { at: position.recordedAt, point: { lat: position.lat, lng: position.lng } }];
    });
  }, []);

  const stored = history.data?.points ?? [];
  const lastStoredAt = stored.at(-1)?.recordedAt ?? Number.NEGATIVE_INFINITY;
  const points: LatLng[] = [
    ...stored.map((point) => ({ lat: point.lat, lng: point.lng })),
    ...live.filter((entry) => entry.at > lastStoredAt).map((entry) => entry.point),
  ];
  return { points, loaded: history.data !== undefined, error: history.error, add };
}

/** One trip for the dispatcher: map with breadcrumb and live driver, ETA, people and times. */
export function TripDetail({ tripId, onClose }: { tripId: number; onClose: () => void }) {
  const trip = trpc.trips.byId.useQuery({ tripId });
  const [frame, setFrame] = useState<TripTrackingFrame | null>(null);
  const trackable = trip.data ? isTrackableTrip(trip.data.status) : false;
  const breadcrumb = useBreadcrumb(trip.data);
  trpc.tracking.onTrip.useSubscription(trackable ? { tripId } : skipToken, {
    onData: (next) => {
      setFrame(next);
      if (next.position) breadcrumb.add(next.position);
    },
    // The trip ended as we subscribed: trips.events already says so.
    onError: () => undefined,
  });

  return (
    <section className="convoy-card dispatch-trip" aria-labelledby="trip-detail-title" data-trip-id={tripId}>
      <div className="dispatch-trip__header">
        <h2 id="trip-detail-title">{trip.data ? tripWords(trip.data.kind).title(tripId) : `Trip #${tripId}`}</h2>
        <button type="button" className="convoy-button convoy-button--quiet" onClick={onClose} aria-label="Close trip">
          ×
        </button>
      </div>
      {trip.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(trip.error)}
        </p>
      )}
      {!trip.data && !trip.error && <p className="convoy-muted">Loading trip…</p>}
      {trip.data && <TripBody trip={trip.data} frame={trackable ? frame : null} trail={breadcrumb.points} trailLoaded={breadcrumb.loaded} />}
      {breadcrumb.error && <p className="convoy-notice">Breadcrumb unavailable: {errorMessage(breadcrumb.error)}</p>}
    </section>
  );
}

interface TripBodyProps {
  trip: TripView;
  frame: TripTrackingFrame | null;
  trail: LatLng[];
  /** Whether the stored breadcrumb is in, so the map frames the trail once it is. */
  trailLoaded: boolean;
}

function TripBody({ trip, frame, trail, trailLoaded }: TripBodyProps) {
  const words = tripWords(trip.kind);
  const planned = usePlannedTripLine(trip);
  const markers: MapMarker[] = [
    { id: "pickup", position: trip.pickup, tone: "pickup", title: `Pickup: ${trip.pickup.address}` },
    { id: "dropoff", position: trip.dropoff, tone: "dropoff", title: `Dropoff: ${trip.dropoff.address}` },
  ];
  const driverAt = frame?.position ? { lat: frame.position.lat, lng: frame.position.lng } : (trail.at(-1) ?? null);
  if (driverAt && trip.driver) {
    markers.push({ id: "driver", position: driverAt, tone: "driver", title: `Driver: ${trip.driver.name}`, animate: true });
  }

  return (
    <>
      <p>
        <span className={`convoy-pill dispatch-trip-pill dispatch-trip-pill--${trip.status}`} data-status={trip.status}>
          {words.status[trip.status]}
        </span>
        {frame && frame.etaSeconds !== null && frame.distanceKm !== null && (
          <span className="dispatch-eta" data-eta-seconds={frame.etaSeconds} data-eta-source={frame.etaSource ?? "estimate"}>
            {" "}
            ETA to {frame.target} <strong>{formatEtaWithSource(frame.etaSeconds, frame.etaSource ?? "estimate")}</strong> ·{" "}
            {formatShortDistance(frame.distanceKm)}
          </span>
        )}
      </p>
      <ConvoyMap
        label={`Map of trip ${trip.id}`}
        className="dispatch-trip__map"
        center={trip.pickup}
        zoom={13}
        markers={markers}
        lines={[planned, { id: "trail", tone: "trail", points: trail }]}
        fit={{ key: `trip-${trip.id}-${trailLoaded}`, points: [trip.pickup, trip.dropoff, ...trail] }}
      />
      <p className="convoy-muted dispatch-trip__trail-note">
        {trail.length > 0 ? `Breadcrumb: ${trail.length} point${trail.length === 1 ? "" : "s"}` : "No breadcrumb yet"}
      </p>
      <TripActions trip={trip} />
      <ShareTracking tripId={trip.id} canCreate={isTrackableTrip(trip.status)} withLabel />
      <dl className="convoy-facts">
        {words.partyLabel ? (
          <FactRow label={words.partyLabel} value={trip.rider?.name ?? "—"} />
        ) : (
          <FactRow label="Offer" value={trip.offerId === null ? "—" : `#${trip.offerId}`} />
        )}
        <dt>Driver</dt>
        <dd>
          {trip.driver
            ? `${trip.driver.name} · ${vehicleLabel(trip.driver.vehicleType)} · ${formatDriverRating(trip.driver.rating, trip.driver.ratingCount)}`
            : "Not assigned"}
        </dd>
        <dt>From</dt>
        <dd>{trip.pickup.address}</dd>
        <dt>To</dt>
        <dd>{trip.dropoff.address}</dd>
        <dt>Fare</dt>
        <dd>{trip.fareCents === null ? "—" : formatMoney(trip.fareCents)}</dd>
        <dt>Arrival radius</dt>
        <dd>{trip.arrivalRadiusM === null ? "Server default" : `${trip.arrivalRadiusM} m`}</dd>
        {trip.cancelReason !== null && (
          <>
            <dt>Cancelled</dt>
            <dd>{trip.cancelReason === NO_DRIVER_REASON ? "No driver found" : trip.cancelReason}</dd>
          </>
        )}
        {trip.rating !== null && (
          <>
            <dt>Rating</dt>
            <dd>
              {"★".repeat(trip.rating)}
              {trip.ratingComment ? ` “${trip.ratingComment}”` : ""}
            </dd>
          </>
        )}
        {STEPS.map((step) => {
          const at = step.at(trip);
          return at ? <FactRow key={step.status} label={words.status[step.status]} value={formatTime(at)} /> : null;
        })}
      </dl>
      <DeliveryProof trip={trip} />
      <TripHistory trip={trip} />
    </>
  );
}

function FactRow({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
