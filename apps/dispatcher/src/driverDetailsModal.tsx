import { availabilityLabel, errorMessage, formatDimensions, formatMoney, formatPayload, formatTime, Modal, trpc, vehicleLabel } from "@convoy/ui";

/** A driver's vehicle, stats and position, from `drivers.byId`. */
export function DriverDetailsModal({ driverId, onClose }: { driverId: number; onClose: () => void }) {
  const driver = trpc.drivers.byId.useQuery({ driverId });
  const data = driver.data;
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
          <dt>Availability</dt>
          <dd>{availabilityLabel(data.availability)}</dd>
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
