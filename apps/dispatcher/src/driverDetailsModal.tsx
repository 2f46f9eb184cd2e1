import { useCallback, useMemo, useState, type ReactNode } from "react";
import {
  availabilityLabel,
  errorMessage,
  formatDimensions,
  formatMoney,
  formatPayload,
  formatTime,
  Modal,
  trpc,
  tripStatusLabel,
  useNow,
  vehicleLabel,
  type TripStatus,
} from "@convoy/ui";
import { presenceLabel, usePresence } from "./presence";

/** The trip a driver is on, as the drivers table and the details show it. */
export interface CurrentTripRef {
  id: number;
  kind: "load" | "ride";
  status: TripStatus;
}

/** "Trip #12 (load) · En route", "Trip #40 (ride) · In progress". */
export function currentTripLabel(trip: CurrentTripRef): string {
  return `Trip #${trip.id} (${trip.kind}) · ${tripStatusLabel(trip.status)}`;
}

/** A driver's vehicle, stats, presence, trip and position, from `drivers.byId` and the live presence stream. */
export function DriverDetailsModal({ driverId, onClose }: { driverId: number; onClose: () => void }) {
  const driver = trpc.drivers.byId.useQuery({ driverId });
  const data = driver.data;
  const now = useNow(5_000);
  const presence = usePresence(driverId, {
    online: data?.online ?? false,
    lastSeenAt: data?.lastSeenAt ? Date.parse(data.lastSeenAt) : null,
  });
  return (
    <Modal title={data ? data.name : "Driver details"} onClose={onClose}>
      {driver.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(driver.error)}
        </p>
      )}
      {!data && !driver.error && <p className="convoy-muted">Loading…</p>}
      {data && (
        <dl className="convoy-facts" aria-label="Driver details">
          <dt>Presence</dt>
          <dd data-online={presence.online}>{presenceLabel(presence, now)}</dd>
          <dt>Availability</dt>
          <dd>{availabilityLabel(data.availability)}</dd>
          <dt>Current trip</dt>
          <dd>{data.currentTrip ? currentTripLabel(data.currentTrip) : "None"}</dd>
          <dt>Vehicle</dt>
          <dd>{vehicleLabel(data.vehicleType)}</dd>
          <dt>Dimensions</dt>
          <dd>{formatDimensions({ lengthCm: data.vehicleLengthCm, widthCm: data.vehicleWidthCm, heightCm: data.vehicleHeightCm })}</dd>
          <dt>Payload</dt>
          <dd>{formatPayload(data.payloadKg)}</dd>
          <dt>Average rate</dt>
          <dd>{data.stats.averageRatePerMileCents === null ? "No loads yet" : `${formatMoney(data.stats.averageRatePerMileCents)}/mi`}</dd>
          <dt>Completed trips</dt>
          <dd>{data.stats.completedTrips}</dd>
          <dt>Rating</dt>
          <dd>{data.rating === null ? "Not rated yet" : `★ ${data.rating.toFixed(1)} (${data.ratingCount} ratings)`}</dd>
          <dt>Position</dt>
          <dd>
            {data.position ? `${data.position.lat.toFixed(5)}, ${data.position.lng.toFixed(5)}` : "Unknown"}
            {data.position && data.positionAt && <span className="convoy-muted"> · {formatTime(data.positionAt)}</span>}
          </dd>
          <dt>Phone</dt>
          <dd>
            <a href={`tel:${data.phone}`}>{data.phone}</a>
          </dd>
          <dt>Email</dt>
          <dd>{data.email}</dd>
        </dl>
      )}
    </Modal>
  );
}

export interface DriverDetailsControl {
  /** Opens the details of this driver (replacing any open ones). */
  open: (driverId: number) => void;
  /** The modal while open, else null: render it anywhere in the calling component. */
  modal: ReactNode;
}

/**
 * Driver details from anywhere in the dispatcher app (the drivers table, the fleet map, chat):
 *
 *     const details = useDriverDetails();
 *     <button onClick={() => details.open(driver.id)}>…</button>
 *     {details.modal}
 */
export function useDriverDetails(): DriverDetailsControl {
  const [driverId, setDriverId] = useState<number | null>(null);
  const open = useCallback((id: number) => setDriverId(id), []);
  const modal = useMemo(() => (driverId === null ? null : <DriverDetailsModal driverId={driverId} onClose={() => setDriverId(null)} />), [driverId]);
  return { open, modal };
}
