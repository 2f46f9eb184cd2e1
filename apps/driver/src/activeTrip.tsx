import { useId, useState, type SyntheticEvent } from "react";
import type { DriverStatus, TripView } from "@convoy/api";
import { proofRequired, tripWords, updateTripStatusInputSchema } from "@convoy/api/schemas";
import {
  ConvoyMap,
  errorMessage,
  formatMoney,
  formatShortDistance,
  haversineKm,
  newIdempotencyKey,
  trpc,
  usePlannedTripLine,
  useToast,
  type MapMarker,
} from "@convoy/ui";
import { DeliveryProof } from "./deliveryProof";
import { tripTarget, useDriverLive } from "./driverLive";
import { useOfflineStore } from "./offline/offlineContext";

/** The one step a driver takes next from each status. */
export const NEXT_STATUS: Partial<Record<TripView["status"], DriverStatus>> = {
  assigned: "en_route",
  en_route: "arrived",
  arrived: "in_progress",
  in_progress: "completed",
};

/** Whether a refused completion was for want of proof of delivery (the server's sentence says so). */
const isMissingProof = (message: string) => message.startsWith("Proof of delivery is missing");

/** A guarded move the server refused because the driver is away from the place, with its words. */
interface Refused {
  status: DriverStatus;
  message: string;
}

/**
 * The trip the driver is on: where to go now, a map with their position, and one big button
 * for the next status. The screen follows the trip live, including the automatic arrival
 * when the driver reaches the pickup. Arriving or completing away from the place is refused
 * by the server; the driver is then asked why, and the move is sent again with the reason.
 */
export function ActiveTrip({ trip }: { trip: TripView }) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const { position } = useDriverLive();
  const words = tripWords(trip.kind);
  const [refused, setRefused] = useState<Refused | null>(null);
  const store = useOfflineStore();
  const update = trpc.trips.updateStatus.useMutation({
    onSuccess: (updated) => {
      setRefused(null);
      utils.trips.byId.setData({ tripId: updated.id }, updated);
      void utils.trips.list.invalidate();
      if (updated.status === "completed") {
        toast(`${words.doneMessage}${updated.fareCents === null ? "" : `: ${formatMoney(updated.fareCents)}`}`, { tone: "success" });
      }
    },
    onError: (error, variables) => {
      // Away from the place: ask why. A load without its proof of delivery is not a matter of a reason.
      if (error.data?.code === "PRECONDITION_FAILED" && !isMissingProof(error.message))
        setRefused({ status: variables.status, message: error.message });
      // No answer at all (the network went): the move waits on the phone with its key and is
      // sent once back, done once even if this attempt did reach the server.
      if (!error.data && variables.idempotencyKey) {
        const label = words.driverAction[variables.status];
        const { tripId, status, overrideReason, idempotencyKey: key } = variables;
        const queued = store.enqueue({ kind: "trip_status", key, queuedAt: Date.now(), tripId, status, overrideReason, label });
        if (queued) {
          update.reset();
          toast(`No connection: “${label}” will be sent when you are back online`);
        }
      }
    },
  });
  /** The move, with a key made now so that however often it is sent, it is made once. */
  const move = (status: DriverStatus, overrideReason?: string) =>
    update.mutate({ tripId: trip.id, status, overrideReason, idempotencyKey: newIdempotencyKey() });

  const nextStatus = NEXT_STATUS[trip.status];
  const next = nextStatus && { status: nextStatus, label: words.driverAction[nextStatus] };
  // The trip may have moved on meanwhile (the automatic arrival): a refusal of another step is stale.
  const asking = refused && refused.status === nextStatus ? refused : null;
  const target = tripTarget(trip);
  const planned = usePlannedTripLine(trip);
  const toTargetKm = position && target ? haversineKm(position, target.point) : null;
  const needsProof = next?.status === "completed" && proofRequired(trip.kind);

  const markers: MapMarker[] = [
    { id: "pickup", position: trip.pickup, tone: "pickup", title: `Pickup: ${trip.pickup.address}` },
    { id: "dropoff", position: trip.dropoff, tone: "dropoff", title: `Dropoff: ${trip.dropoff.address}` },
  ];
  if (position) markers.push({ id: "me", position, tone: "driver", title: "You", animate: true });

  return (
    <section className="convoy-card driver-trip" aria-labelledby="driver-trip-title" data-trip-id={trip.id} data-status={trip.status}>
      <p className="convoy-muted driver-trip__kind">
        {trip.kind === "ride" ? `${words.title(trip.id)} for ${trip.rider?.name ?? "a rider"}` : words.title(trip.id)} · {words.status[trip.status]}
      </p>
      <h2 id="driver-trip-title">{words.driverPhase[trip.status] ?? words.status[trip.status]}</h2>
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
        lines={[planned]}
        fit={{ key: `${trip.id}-${target?.kind ?? "none"}`, points: position && target ? [position, target.point] : [trip.pickup, trip.dropoff] }}
      />
      {update.error && (update.error.data?.code !== "PRECONDITION_FAILED" || isMissingProof(update.error.message)) && (
        <p className="convoy-error" role="alert">
          {errorMessage(update.error)}
        </p>
      )}
      {asking && (
        <OverrideReason
          refused={asking}
          label={words.driverAction[asking.status]}
          pending={update.isPending}
          onCancel={() => {
            setRefused(null);
            update.reset();
          }}
          onSubmit={(overrideReason) => move(asking.status, overrideReason)}
        />
      )}
      {next && !asking && needsProof && (
        <DeliveryProof trip={trip} completing={update.isPending} onComplete={() => update.mutate({ tripId: trip.id, status: "completed" })} />
      )}
      {next && !asking && !needsProof && (
        <button
          type="button"
          className="convoy-button convoy-button--primary driver-next-step"
          data-next-status={next.status}
          disabled={update.isPending}
          onClick={() => move(next.status)}
        >
          {update.isPending ? "Saving…" : next.label}
        </button>
      )}
    </section>
  );
}

interface OverrideReasonProps {
  refused: Refused;
  /** The step's button words, e.g. "Mark delivered". */
  label: string;
  pending: boolean;
  onCancel: () => void;
  onSubmit: (reason: string) => void;
}

/** Why the server refused the move, and a reason field to make it anyway; dispatch sees the reason. */
function OverrideReason({ refused, label, pending, onCancel, onSubmit }: OverrideReasonProps) {
  const id = useId();
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);

  function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = updateTripStatusInputSchema.shape.overrideReason.safeParse(reason);
    if (!parsed.success || parsed.data === undefined) {
      setInvalid(parsed.error?.issues[0]?.message ?? "Say why you are making this move here");
      return;
    }
    setInvalid(null);
    onSubmit(parsed.data);
  }

  return (
    <form className="driver-override" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <p id={`${id}-title`} className="convoy-notice" role="alert">
        {refused.message.replace(/; if you really are there,.*$/, ".")}
      </p>
      <label className="convoy-field" htmlFor={`${id}-reason`}>
        <span>Reason (dispatch will see it)</span>
        <textarea id={`${id}-reason`} rows={2} maxLength={255} value={reason} onChange={(event) => setReason(event.target.value)} />
      </label>
      {invalid && (
        <p className="convoy-error" role="alert">
          {invalid}
        </p>
      )}
      <div className="driver-override__actions">
        <button type="button" className="convoy-button" onClick={onCancel} disabled={pending}>
          Not yet
        </button>
        <button type="submit" className="convoy-button convoy-button--primary" disabled={pending}>
          {pending ? "Saving…" : `${label} with this reason`}
        </button>
      </div>
    </form>
  );
}
