import { useId, useState, type SyntheticEvent } from "react";
import { cancelTripInputSchema, rateTripInputSchema } from "@convoy/api/schemas";
import type { TripView } from "@convoy/api";
import { errorMessage, trpc, useToast } from "@convoy/ui";

const CANCEL_REASONS = ["Waited too long", "Changed my plans", "Booked by mistake", "Driver asked me to cancel"] as const;
const OTHER = "other";

/** "Cancel trip", then a reason (a common one or the rider's own words), then confirm. */
export function CancelTrip({ trip }: { trip: TripView }) {
  const id = useId();
  const toast = useToast();
  const utils = trpc.useUtils();
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<string>(CANCEL_REASONS[0]);
  const [other, setOther] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const cancel = trpc.trips.cancel.useMutation({
    onSuccess: (updated) => {
      utils.trips.byId.setData({ tripId: updated.id }, updated);
      void utils.trips.list.invalidate();
      toast("Your trip is cancelled", { tone: "success" });
      setOpen(false);
    },
  });

  if (!open) {
    return (
      <button type="button" className="convoy-button convoy-button--danger" onClick={() => setOpen(true)}>
        Cancel trip
      </button>
    );
  }

  function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = cancelTripInputSchema.safeParse({ tripId: trip.id, reason: choice === OTHER ? other : choice });
    if (!parsed.success) {
      setInvalid(parsed.error.issues[0]?.message ?? "Say why you are cancelling");
      return;
    }
    setInvalid(null);
    cancel.mutate(parsed.data);
  }

  return (
    <form className="convoy-card rider-cancel" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>Cancel this trip?</h3>
      <label className="convoy-field" htmlFor={`${id}-reason`}>
        <span>Reason</span>
        <select id={`${id}-reason`} value={choice} onChange={(event) => setChoice(event.target.value)}>
          {CANCEL_REASONS.map((reason) => (
            <option key={reason} value={reason}>
              {reason}
            </option>
          ))}
          <option value={OTHER}>Something else…</option>
        </select>
      </label>
      {choice === OTHER && (
        <label className="convoy-field" htmlFor={`${id}-other`}>
          <span>Your reason</span>
          <input
            id={`${id}-other`}
            maxLength={255}
            value={other}
            aria-invalid={invalid ? true : undefined}
            onChange={(event) => setOther(event.target.value)}
          />
        </label>
      )}
      {invalid && <p className="convoy-field__error">{invalid}</p>}
      {cancel.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(cancel.error)}
        </p>
      )}
      <div className="rider-actions">
        <button type="submit" className="convoy-button convoy-button--danger" disabled={cancel.isPending}>
          {cancel.isPending ? "Cancelling…" : "Yes, cancel trip"}
        </button>
        <button type="button" className="convoy-button" onClick={() => setOpen(false)} disabled={cancel.isPending}>
          Keep my trip
        </button>
      </div>
    </form>
  );
}

const STARS = [1, 2, 3, 4, 5] as const;

/** Stars as text, e.g. "★★★★☆". */
export function starText(rating: number): string {
  return "★".repeat(rating) + "☆".repeat(5 - rating);
}

/** 1–5 stars and an optional comment for a completed trip; once only. */
export function RateTrip({ trip }: { trip: TripView }) {
  const id = useId();
  const utils = trpc.useUtils();
  const [stars, setStars] = useState<number | null>(null);
  const [comment, setComment] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const rate = trpc.trips.rate.useMutation({
    onSuccess: (updated) => {
      utils.trips.byId.setData({ tripId: updated.id }, updated);
      void utils.trips.list.invalidate();
    },
  });

  if (trip.rating !== null) {
    return (
      <section className="convoy-card rider-rated" aria-label="Your rating">
        <p>
          You rated this trip{" "}
          <span className="rider-stars" aria-label={`${trip.rating} of 5 stars`}>
            {starText(trip.rating)}
          </span>
        </p>
        {trip.ratingComment && <p className="rider-rated__comment">“{trip.ratingComment}”</p>}
        <p className="convoy-muted">Thanks for riding with Convoy.</p>
      </section>
    );
  }

  function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = rateTripInputSchema.safeParse({ tripId: trip.id, rating: stars ?? 0, comment: comment.trim() === "" ? undefined : comment });
    if (!parsed.success) {
      setInvalid(stars === null ? "Choose 1 to 5 stars" : (parsed.error.issues[0]?.message ?? "Check your rating"));
      return;
    }
    setInvalid(null);
    rate.mutate(parsed.data);
  }

  return (
    <form className="convoy-card rider-rate" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>How was your ride?</h3>
      <div className="rider-stars-input" role="radiogroup" aria-label="Rating">
        {STARS.map((value) => (
          <button
            key={value}
            type="button"
            role="radio"
            aria-checked={stars === value}
            aria-label={`${value} star${value === 1 ? "" : "s"}`}
            className={`rider-star${stars !== null && value <= stars ? " rider-star--on" : ""}`}
            onClick={() => setStars(value)}
          >
            ★
          </button>
        ))}
      </div>
      <label className="convoy-field" htmlFor={`${id}-comment`}>
        <span>Comment (optional)</span>
        <textarea id={`${id}-comment`} maxLength={1_000} value={comment} onChange={(event) => setComment(event.target.value)} />
      </label>
      {invalid && <p className="convoy-field__error">{invalid}</p>}
      {rate.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(rate.error)}
        </p>
      )}
      <button type="submit" className="convoy-button convoy-button--primary" disabled={rate.isPending}>
        {rate.isPending ? "Sending…" : "Rate trip"}
      </button>
    </form>
  );
}
