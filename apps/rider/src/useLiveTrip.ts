import { useState } from "react";
import type { TripTrackingFrame, TripView } from "@convoy/api";
import { isTrackableTrip, skipToken, trpc } from "@convoy/ui";

/** The ride search as the latest `trip.searching` event described it. */
export interface SearchState {
  /** ISO time the first ring's offer went out. */
  startedAt: string;
  radiusKm: number;
  driverCount: number;
  /** ISO time the current ring's offer closes. */
  expiresAt: string;
}

const PROGRESS: readonly TripView["status"][] = ["requested", "assigned", "en_route", "arrived", "in_progress", "completed"];

/**
 * How far a trip has come; a rating counts as a step after completion. Cancelled is final.
 * A reassignment starts the steps again with the new driver, so it counts above them all.
 */
function progress(trip: TripView): number {
  const step = trip.status === "cancelled" ? PROGRESS.length : PROGRESS.indexOf(trip.status);
  return trip.reassignments * 100 + step * 2 + (trip.rating === null ? 0 : 1);
}

/**
 * One trip, live: `trips.events` for this trip from its very first event (so the search's
 * start time is known after a reload, and a reconnect resumes where it left off), and the
 * driver's position and ETA from `tracking.onTrip` while a driver is on it.
 */
export function useLiveTrip(tripId: number) {
  const utils = trpc.useUtils();
  const trip = trpc.trips.byId.useQuery({ tripId });
  const [search, setSearch] = useState<SearchState | null>(null);
  const [frame, setFrame] = useState<TripTrackingFrame | null>(null);
  // Frames carry the driver's route only when it changes; the last one sent stands.
  const [route, setRoute] = useState<TripTrackingFrame["route"]>(null);

  trpc.trips.events.useSubscription(
    { tripId, lastEventId: "0" },
    {
      onData: ({ data: event }) => {
        // The replayed history passes through older copies of the trip; never step back to one.
        utils.trips.byId.setData({ tripId }, (current) => (current && progress(current) > progress(event.trip) ? current : event.trip));
        if (event.type === "trip.searching") {
          setSearch((previous) => ({
            startedAt: previous?.startedAt ?? event.at,
            radiusKm: event.radiusKm,
            driverCount: event.driverCount,
            expiresAt: event.expiresAt,
          }));
        }
        if (
          event.type === "trip.rated" ||
          event.type === "trip.cancelled" ||
          event.type === "trip.status_changed" ||
          event.type === "trip.reassigned"
        ) {
          void utils.trips.list.invalidate();
        }
      },
    },
  );

  const trackable = trip.data ? isTrackableTrip(trip.data.status) : false;
  trpc.tracking.onTrip.useSubscription(trackable ? { tripId } : skipToken, {
    onData: (next) => {
      setFrame(next);
      if (next.route !== undefined) setRoute(next.route);
    },
    // A status race (the trip ended as we subscribed) is not worth a message: trips.events says what happened.
    onError: () => undefined,
  });

  return { trip, search, frame: trackable ? frame : null, route: trackable ? route : null };
}
