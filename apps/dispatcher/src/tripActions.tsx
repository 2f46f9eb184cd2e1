import { useId, useState, type SyntheticEvent } from "react";
import type { TripHistoryEntry, TripView } from "@convoy/api";
import { ARRIVAL_RADIUS_RANGE_M, cancelTripInputSchema, reassignTripInputSchema, setArrivalRadiusInputSchema, tripWords } from "@convoy/api/schemas";
import { errorMessage, formatShortDistance, formatTime, trpc, useToast, vehicleLabel } from "@convoy/ui";
import "./tripActions.css";

/** Statuses in which a trip has a driver a dispatcher can replace. */
const REASSIGNABLE: readonly TripView["status"][] = ["assigned", "en_route", "arrived", "in_progress"];

/** The first problem zod found, as a sentence. */
function firstIssue(issues: readonly { message: string }[], fallback: string): string {
  return issues[0]?.message ?? fallback;
}

/**
 * What a dispatcher can do to a trip that has not ended: hand it to another driver, set
 * how near the pickup and dropoff its driver must be, or cancel it with a reason.
 */
export function TripActions({ trip }: { trip: TripView }) {
  const ended = trip.status === "completed" || trip.status === "cancelled";
  if (ended) return null;
  return (
    <section className="dispatch-trip-actions" aria-label="Trip actions">
      {trip.driver && REASSIGNABLE.includes(trip.status) && <ReassignTrip trip={trip} driver={trip.driver} />}
      <ArrivalRadius trip={trip} />
      <CancelTrip trip={trip} />
    </section>
  );
}

function useTripUpdated() {
  const utils = trpc.useUtils();
  return (updated: TripView) => {
    utils.trips.byId.setData({ tripId: updated.id }, updated);
    void utils.trips.list.invalidate();
    void utils.trips.history.invalidate({ tripId: updated.id });
  };
}

/** Another available driver for the trip, picked from those nearest its pickup. */
function ReassignTrip({ trip, driver }: { trip: TripView; driver: NonNullable<TripView["driver"]> }) {
  const id = useId();
  const toast = useToast();
  const updated = useTripUpdated();
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState("");
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const candidates = trpc.drivers.list.useQuery({ availability: ["available"], distanceFrom: trip.pickup, limit: 50 }, { enabled: open });
  const reassign = trpc.trips.reassign.useMutation({
    onSuccess: (next) => {
      updated(next);
      toast(`${tripWords(next.kind).title(next.id)} handed to ${next.driver?.name ?? "the new driver"}`, { tone: "success" });
      setOpen(false);
      setChoice("");
      setReason("");
    },
  });

  if (!open) {
    return (
      <button type="button" className="convoy-button" onClick={() => setOpen(true)}>
        Reassign…
      </button>
    );
  }

  const options = (candidates.data ?? [])
    .filter((candidate) => candidate.id !== driver.id)
    .sort((a, b) => (a.distanceKm ?? Infinity) - (b.distanceKm ?? Infinity));

  function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = reassignTripInputSchema.safeParse({
      tripId: trip.id,
      driverId: Number(choice),
      currentDriverId: driver.id,
      reason: reason.trim() === "" ? undefined : reason,
    });
    if (!parsed.success || choice === "") {
      setInvalid(choice === "" ? "Pick the driver who takes over" : firstIssue(parsed.error?.issues ?? [], "Check the form"));
      return;
    }
    setInvalid(null);
    reassign.mutate(parsed.data);
  }

  return (
    <form className="convoy-card dispatch-trip-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>Hand to another driver</h3>
      <p className="convoy-muted">Now with {driver.name}. Only available drivers with no trip on are listed, nearest the pickup first.</p>
      <label className="convoy-field" htmlFor={`${id}-driver`}>
        <span>New driver</span>
        <select id={`${id}-driver`} value={choice} onChange={(event) => setChoice(event.target.value)}>
          <option value="">{candidates.isLoading ? "Loading drivers…" : options.length === 0 ? "No driver available" : "Choose a driver"}</option>
          {options.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name} · {vehicleLabel(candidate.vehicleType)}
              {candidate.distanceKm === null ? "" : ` · ${formatShortDistance(candidate.distanceKm)} from pickup`}
            </option>
          ))}
        </select>
      </label>
      <label className="convoy-field" htmlFor={`${id}-reason`}>
        <span>Reason (optional)</span>
        <input id={`${id}-reason`} maxLength={255} value={reason} onChange={(event) => setReason(event.target.value)} />
      </label>
      {(invalid ?? candidates.error ?? reassign.error) && (
        <p className="convoy-error" role="alert">
          {invalid ?? errorMessage(candidates.error ?? reassign.error)}
        </p>
      )}
      <div className="dispatch-trip-form__actions">
        <button type="button" className="convoy-button" onClick={() => setOpen(false)}>
          Keep {driver.name}
        </button>
        <button type="submit" className="convoy-button convoy-button--primary" disabled={reassign.isPending}>
          {reassign.isPending ? "Reassigning…" : "Reassign"}
        </button>
      </div>
    </form>
  );
}

/** The trip's arrival radius: the server's default until a dispatcher sets one. */
function ArrivalRadius({ trip }: { trip: TripView }) {
  const id = useId();
  const updated = useTripUpdated();
  const [value, setValue] = useState(trip.arrivalRadiusM === null ? "" : String(trip.arrivalRadiusM));
  const [invalid, setInvalid] = useState<string | null>(null);
  const save = trpc.trips.setArrivalRadius.useMutation({ onSuccess: updated });

  function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = setArrivalRadiusInputSchema.safeParse({ tripId: trip.id, radiusM: Number(value) });
    if (!parsed.success || value.trim() === "") {
      setInvalid(value.trim() === "" ? "Give the radius in metres" : firstIssue(parsed.error?.issues ?? [], "Check the radius"));
      return;
    }
    setInvalid(null);
    save.mutate(parsed.data);
  }

  return (
    <form className="dispatch-trip-radius" onSubmit={submit} noValidate>
      <label className="convoy-field" htmlFor={`${id}-radius`}>
        <span>Arrival radius, m ({trip.arrivalRadiusM === null ? "server default" : `${trip.arrivalRadiusM} m set`})</span>
        <input
          id={`${id}-radius`}
          type="number"
          inputMode="numeric"
          min={ARRIVAL_RADIUS_RANGE_M.min}
          max={ARRIVAL_RADIUS_RANGE_M.max}
          placeholder="default"
          value={value}
          onChange={(event) => setValue(event.target.value)}
        />
      </label>
      <button type="submit" className="convoy-button" disabled={save.isPending}>
        Set radius
      </button>
      {(invalid ?? save.error) && (
        <p className="convoy-error" role="alert">
          {invalid ?? errorMessage(save.error)}
        </p>
      )}
    </form>
  );
}

/** "Cancel trip", then the reason the driver and rider will see. */
function CancelTrip({ trip }: { trip: TripView }) {
  const id = useId();
  const toast = useToast();
  const updated = useTripUpdated();
  const words = tripWords(trip.kind);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const cancel = trpc.trips.cancel.useMutation({
    onSuccess: (next) => {
      updated(next);
      toast(`${words.title(next.id)} cancelled`, { tone: "success" });
      setOpen(false);
    },
  });

  if (!open) {
    return (
      <button type="button" className="convoy-button convoy-button--danger" onClick={() => setOpen(true)}>
        Cancel {words.noun}…
      </button>
    );
  }

  function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = cancelTripInputSchema.safeParse({ tripId: trip.id, reason });
    if (!parsed.success) {
      setInvalid(firstIssue(parsed.error.issues, "Say why"));
      return;
    }
    setInvalid(null);
    cancel.mutate(parsed.data);
  }

  return (
    <form className="convoy-card dispatch-trip-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>Cancel this {words.noun}?</h3>
      <label className="convoy-field" htmlFor={`${id}-reason`}>
        <span>Reason (the driver{words.partyLabel ? ` and ${words.partyLabel.toLowerCase()}` : ""} will see it)</span>
        <input id={`${id}-reason`} maxLength={255} value={reason} onChange={(event) => setReason(event.target.value)} />
      </label>
      {(invalid ?? cancel.error) && (
        <p className="convoy-error" role="alert">
          {invalid ?? errorMessage(cancel.error)}
        </p>
      )}
      <div className="dispatch-trip-form__actions">
        <button type="button" className="convoy-button" onClick={() => setOpen(false)}>
          Keep it
        </button>
        <button type="submit" className="convoy-button convoy-button--danger" disabled={cancel.isPending}>
          {cancel.isPending ? "Cancelling…" : `Cancel ${words.noun}`}
        </button>
      </div>
    </form>
  );
}

const metres = (m: number) => (m < 1_000 ? `${m} m` : `${(m / 1_000).toFixed(1)} km`);

/** One history entry as a sentence. */
function describeEntry(entry: TripHistoryEntry, trip: TripView): string {
  const words = tripWords(trip.kind);
  const said = entry.reason ? `: “${entry.reason}”` : "";
  switch (entry.type) {
    case "guard_override": {
      const place = entry.status === "arrived" ? "pickup" : "dropoff";
      const where = entry.distanceM === null ? `with no known position` : `${metres(entry.distanceM)} from the ${place}`;
      const radius = entry.radiusM === null ? "" : ` (radius ${metres(entry.radiusM)})`;
      const status = entry.status ? words.status[entry.status] : "moved";
      return `${entry.actor?.name ?? "The driver"} overrode the ${place} check: ${status} ${where}${radius}${said}`;
    }
    case "reassigned":
      return `${entry.actor?.name ?? "Dispatch"} reassigned it from ${entry.fromDriver?.name ?? "?"} to ${entry.toDriver?.name ?? "?"}${said}`;
    case "cancelled":
      return `Cancelled by ${entry.actor?.name ?? "the system"}${said}`;
    case "proof_waived":
      return `${entry.actor?.name ?? "Dispatch"} waived the proof of delivery${said}`;
  }
}

/** Overrides, reassignments and cancellations, oldest first; refreshed by the trips page on every event of the trip. */
export function TripHistory({ trip }: { trip: TripView }) {
  const history = trpc.trips.history.useQuery({ tripId: trip.id });
  if (history.error) return <p className="convoy-notice">History unavailable: {errorMessage(history.error)}</p>;
  const entries = history.data ?? [];
  if (entries.length === 0) return null;
  return (
    <section className="dispatch-trip-history" aria-label="Trip history">
      <h3>History</h3>
      <ol>
        {entries.map((entry) => (
          <li key={entry.id} data-history-type={entry.type} className={`dispatch-trip-history__entry--${entry.type}`}>
            <time dateTime={entry.at}>{formatTime(entry.at)}</time> {describeEntry(entry, trip)}
          </li>
        ))}
      </ol>
    </section>
  );
}
