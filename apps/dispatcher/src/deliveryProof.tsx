import { useEffect, useId, useState, type SyntheticEvent } from "react";
import type { TripView } from "@convoy/api";
import { proofRequired, tripWords, waiveProofInputSchema } from "@convoy/api/schemas";
import { errorMessage, formatTime, trpc, useToast } from "@convoy/ui";

/** How often the signed image links are fetched again: they work for 5 minutes. */
const LINK_REFRESH_MS = 4 * 60_000;

/**
 * A load's proof of delivery in the dispatcher's trip view: the photo, the recipient's
 * signature and name, and when it was taken; or the waiver that let it go without; or,
 * while the load is under way, a way to waive it with a reason. Rides need none and show
 * nothing. Read again whenever the trip's status changes, and before the links expire.
 */
export function DeliveryProof({ trip }: { trip: TripView }) {
  const required = proofRequired(trip.kind);
  const proof = trpc.proofs.forTrip.useQuery({ tripId: trip.id }, { enabled: required, refetchInterval: LINK_REFRESH_MS });
  const { refetch } = proof;
  useEffect(() => {
    if (required) void refetch();
  }, [required, refetch, trip.status]);
  if (!required) return null;

  const ended = trip.status === "completed" || trip.status === "cancelled";
  const view = proof.data;
  return (
    <section className="dispatch-proof" aria-label="Proof of delivery">
      <h3>Proof of delivery</h3>
      {proof.error && <p className="convoy-notice">Proof of delivery unavailable: {errorMessage(proof.error)}</p>}
      {view?.proof && (
        <div className="dispatch-proof__body">
          <figure>
            <img className="dispatch-proof__photo" src={view.proof.photo.url} alt={`Photo of the delivered ${tripWords(trip.kind).noun}`} />
            <figcaption>Photo</figcaption>
          </figure>
          <figure>
            <img className="dispatch-proof__signature" src={view.proof.signature.url} alt={`Signature of ${view.proof.recipientName}`} />
            <figcaption>Signature</figcaption>
          </figure>
          <dl className="convoy-facts">
            <dt>Received by</dt>
            <dd className="dispatch-proof__recipient">{view.proof.recipientName}</dd>
            <dt>Taken</dt>
            <dd>
              <time dateTime={view.proof.capturedAt}>{formatTime(view.proof.capturedAt)}</time> by {view.proof.driver.name}
            </dd>
          </dl>
        </div>
      )}
      {view?.waiver && (
        <p className="dispatch-proof__waiver" data-waived="true">
          Waived by {view.waiver.by?.name ?? "dispatch"} at <time dateTime={view.waiver.at}>{formatTime(view.waiver.at)}</time>: “{view.waiver.reason}
          ”
        </p>
      )}
      {view && !view.proof && !view.waiver && (
        <>
          <p className="convoy-muted">{ended ? "None was taken." : "Not taken yet: the driver takes it at the dropoff."}</p>
          {!ended && <WaiveProof trip={trip} />}
        </>
      )}
    </section>
  );
}

/** "Waive proof…", then the reason the trip's history keeps. */
function WaiveProof({ trip }: { trip: TripView }) {
  const id = useId();
  const toast = useToast();
  const utils = trpc.useUtils();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const waive = trpc.proofs.waive.useMutation({
    onSuccess: (view) => {
      utils.proofs.forTrip.setData({ tripId: trip.id }, view);
      void utils.trips.history.invalidate({ tripId: trip.id });
      toast(`${tripWords(trip.kind).title(trip.id)} may be delivered without proof`, { tone: "success" });
      setOpen(false);
    },
  });

  if (!open) {
    return (
      <button type="button" className="convoy-button" onClick={() => setOpen(true)}>
        Waive proof…
      </button>
    );
  }

  function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = waiveProofInputSchema.safeParse({ tripId: trip.id, reason });
    if (!parsed.success) {
      setInvalid(parsed.error.issues[0]?.message ?? "Say why");
      return;
    }
    setInvalid(null);
    waive.mutate(parsed.data);
  }

  return (
    <form className="convoy-card dispatch-trip-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>Let the driver deliver without proof?</h3>
      <label className="convoy-field" htmlFor={`${id}-reason`}>
        <span>Reason (kept in the history)</span>
        <input id={`${id}-reason`} maxLength={255} value={reason} onChange={(event) => setReason(event.target.value)} />
      </label>
      {(invalid ?? waive.error) && (
        <p className="convoy-error" role="alert">
          {invalid ?? errorMessage(waive.error)}
        </p>
      )}
      <div className="dispatch-trip-form__actions">
        <button type="button" className="convoy-button" onClick={() => setOpen(false)}>
          Keep requiring it
        </button>
        <button type="submit" className="convoy-button convoy-button--primary" disabled={waive.isPending}>
          {waive.isPending ? "Waiving…" : "Waive proof"}
        </button>
      </div>
    </form>
  );
}
