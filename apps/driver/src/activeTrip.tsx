import type { TripView } from "@convoy/api";
import { ConvoyMap, errorMessage, formatMoney, formatShortDistance, haversineKm, trpc, tripStatusLabel, useToast, type MapMarker } from "@convoy/ui";
import { tripTarget, useDriverLive } from "./driverLive";

type NextStatus = "en_route" | "arrived" | "in_progress" | "completed";

/** The one step a driver takes next from each status, and the words on the button. */
const NEXT_STEP: Partial<Record<TripView["status"], { status: NextStatus; label: string }>> = {
  assigned: { status: "en_route", label: "Start driving" },
  en_route: { status: "arrived", label: "I've arrived" },
  arrived: { status: "in_progress", label: "Start trip" },
  in_progress: { status: "completed", label: "Complete trip" },
};

const PHASE: Partial<Record<TripView["status"], string>> = {
  assigned: "Head to the pickup",
  en_route: "Driving to the pickup",
  arrived: "Waiting for the rider at the pickup",
  in_progress: "Driving to the dropoff",
};

/**
 * The trip the driver is on: where to go now, a map with their position, and one big button
 * for the next status. The screen follows the trip live, including the automatic arrival
 * when the driver reaches the pickup.
 */
export function ActiveTrip({ trip }: { trip: TripView }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const { position } = useDriverLive();
  const update = trpc.trips.updateStatus.useMutation({
    onSuccess: (updated) => {
      utils.trips.byId.setData({ tripId: updated.id }, updated);
      void utils.trips.list.invalidate();
      if (updated.status === "completed") {
        toast(`Trip completed${updated.fareCents === null ? "" : `: ${formatMoney(updated.fareCents)}`}`, { tone: "success" });
      }
    },
  });

  const next = NEXT_STEP[trip.status];
  const target = tripTarget(trip);
  const toTargetKm = position && target ? haversineKm(position, target.point) : null;

  const markers: MapMarker[] = [
    { id: "pickup", position: trip.pickup, tone: "pickup", label: "A", title: `Pickup: ${trip.pickup.address}` },
    { id: "dropoff", position: trip.dropoff, tone: "dropoff", label: "B", title: `Dropoff: ${trip.dropoff.address}` },
  ];
  if (position) markers.push({ id: "me", position, tone: "driver", title: "You", animate: true });

  return (
    <section className="convoy-card driver-trip" aria-labelledby="driver-trip-title" data-trip-id={trip.id} data-status={trip.status}>
      <p className="convoy-muted driver-trip__kind">
        {trip.kind === "ride" ? `Ride for ${trip.rider?.name ?? "a rider"}` : `Load trip #${trip.id}`} · {tripStatusLabel(trip.status)}
      </p>
      <h2 id="driver-trip-title">{PHASE[trip.status] ?? tripStatusLabel(trip.status)}</h2>
      {target && (
        <p className="driver-trip__target">
          <span className={`driver-ride__dot driver-ride__dot--${target.kind}`} aria-hidden="true" />
          {target.kind === "pickup" ? trip.pickup.address : trip.dropoff.address}
          {toTargetKm !== null && <span className="convoy-muted"> · {formatShortDistance(toTargetKm)} away</span>}
        </p>
      )}
      <ConvoyMap
        label="Trip map"
        className="driver-trip__map"
        center={trip.pickup}
        zoom={14}
        markers={markers}
        lines={[{ id: "route", tone: "route", points: [trip.pickup, trip.dropoff] }]}
        fit={{ key: `${trip.id}-${target?.kind ?? "none"}`, points: position && target ? [position, target.point] : [trip.pickup, trip.dropoff] }}
      />
      {update.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(update.error)}
        </p>
      )}
      {next && (
        <button
          type="button"
          className="convoy-button convoy-button--primary driver-next-step"
          data-next-status={next.status}
          disabled={update.isPending}
          onClick={() => update.mutate({ tripId: trip.id, status: next.status })}
        >
          {update.isPending ? "Saving…" : next.label}
        </button>
      )}
    </section>
  );
}
