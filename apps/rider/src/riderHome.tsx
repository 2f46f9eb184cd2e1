import { useState } from "react";
import type { TripView } from "@convoy/api";
import { errorMessage, isOpenTrip, trpc, useSignedInUser } from "@convoy/ui";
import { RequestForm } from "./requestForm";
import { TripScreen } from "./tripScreen";

/**
 * What the rider sees: the trip under way (or the last one, still to be rated), else the
 * request form. `undefined` until the rider chooses means "whatever the newest trip says".
 */
type Choice = { screen: "trip"; tripId: number } | { screen: "request"; retry: TripView | null } | undefined;

/** A trip that still needs the rider: under way, or completed and not rated yet. */
function needsRider(trip: TripView): boolean {
  return isOpenTrip(trip.status) || (trip.status === "completed" && trip.rating === null);
}

/** The rider's app: request a ride, then follow it live to the rating. */
export function RiderHome() {
  const user = useSignedInUser();
  const [choice, setChoice] = useState<Choice>(undefined);
  const newest = trpc.trips.list.useQuery({ limit: 1 }, { enabled: choice === undefined });

  const trip = newest.data?.items[0];
  const initial: Choice = newest.data && (trip && needsRider(trip) ? { screen: "trip", tripId: trip.id } : { screen: "request", retry: null });
  // Decided once: a trip on screen stays there when it ends, until the rider moves on.
  if (choice === undefined && initial !== undefined) setChoice(initial);
  const screen = choice ?? initial ?? null;

  return (
    <>
      <section className="rider-hello" aria-labelledby="where-to">
        <p className="convoy-muted">Hi {user.name}</p>
        <h1 id="where-to">{screen?.screen === "trip" ? "Your ride" : "Where to?"}</h1>
      </section>
      {newest.error && choice === undefined && (
        <p className="convoy-error" role="alert">
          {errorMessage(newest.error)}
        </p>
      )}
      {screen === null && !newest.error && <p className="convoy-muted">Loading…</p>}
      {screen?.screen === "request" && (
        <RequestForm key={screen.retry?.id ?? "new"} initial={screen.retry} onRequested={(trip) => setChoice({ screen: "trip", tripId: trip.id })} />
      )}
      {screen?.screen === "trip" && (
        <TripScreen key={screen.tripId} tripId={screen.tripId} onNewRequest={(retry) => setChoice({ screen: "request", retry })} />
      )}
    </>
  );
}
