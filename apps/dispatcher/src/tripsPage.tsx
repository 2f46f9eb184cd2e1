import { useState } from "react";
import { keepPreviousData } from "@tanstack/react-query";
import type { RouterInputs, TripView } from "@convoy/api";
import { tripWords } from "@convoy/api/schemas";
import { errorMessage, formatMoney, formatTime, OPEN_TRIP_STATUSES, trpc } from "@convoy/ui";
import { TripDetail } from "./tripDetail";
import "./tripsDesk.css";

type Filter = "all" | "open" | "completed" | "cancelled";

const FILTERS: { value: Filter; label: string }[] = [
  { value: "all", label: "All trips" },
  { value: "open", label: "Under way" },
  { value: "completed", label: "Completed" },
  { value: "cancelled", label: "Cancelled" },
];

/** How many of the newest trips the list shows. */
const PAGE_SIZE = 50;

function listInput(filter: Filter): RouterInputs["trips"]["list"] {
  if (filter === "all") return { limit: PAGE_SIZE };
  return { limit: PAGE_SIZE, status: filter === "open" ? [...OPEN_TRIP_STATUSES] : [filter] };
}

function matches(filter: Filter, trip: TripView): boolean {
  if (filter === "all") return true;
  if (filter === "open") return (OPEN_TRIP_STATUSES as readonly string[]).includes(trip.status);
  return trip.status === filter;
}

export interface TripsPageProps {
  tripId: number | null;
  navigate: (route: string) => void;
}

/**
 * Every trip, newest first, with statuses kept live by `trips.events`: a change to a trip on
 * screen is applied in place, a new trip (or one that left the filter) refreshes the page.
 * Selecting a trip shows its map, breadcrumb and live ETA beside the list.
 */
export function TripsPage({ tripId, navigate }: TripsPageProps) {
  const [filter, setFilter] = useState<Filter>("all");
  const input = listInput(filter);
  const utils = trpc.useUtils();
  const trips = trpc.trips.list.useQuery(input, { placeholderData: keepPreviousData });

  trpc.trips.events.useSubscription(undefined, {
    onData: ({ data: event }) => {
      utils.trips.byId.setData({ tripId: event.tripId }, event.trip);
      // Overrides, reassignments and cancellations add to the trip's history.
      if (event.type === "trip.status_changed" ? event.override !== null : event.type === "trip.reassigned" || event.type === "trip.cancelled") {
        void utils.trips.history.invalidate({ tripId: event.tripId });
      }
      const page = utils.trips.list.getData(input);
      const shown = page?.items.some((trip) => trip.id === event.tripId) ?? false;
      if (shown && matches(filter, event.trip)) {
        utils.trips.list.setData(
          input,
          (previous) => previous && { ...previous, items: previous.items.map((trip) => (trip.id === event.tripId ? event.trip : trip)) },
        );
      } else {
        void utils.trips.list.invalidate();
      }
    },
  });

  const items = trips.data?.items ?? [];
  return (
    <div className={`dispatch-trips${tripId === null ? "" : " dispatch-trips--detail"}`}>
      <section className="dispatch-trips__list" aria-labelledby="trips-title">
        <div className="convoy-toolbar">
          <h1 id="trips-title">Trips</h1>
          <label className="convoy-field">
            <span>Show</span>
            <select value={filter} onChange={(event) => setFilter(event.target.value as Filter)}>
              {FILTERS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        {trips.error && (
          <p className="convoy-error" role="alert">
            {errorMessage(trips.error)}
          </p>
        )}
        {trips.data && items.length === 0 && <p className="convoy-muted">No trips here yet.</p>}
        {items.length > 0 && (
          <div className="convoy-table-wrap">
            <table className="convoy-table" aria-label="Trips">
              <thead>
                <tr>
                  <th>Trip</th>
                  <th>Status</th>
                  <th>For</th>
                  <th>Driver</th>
                  <th>Route</th>
                  <th>Requested</th>
                  <th className="convoy-num">Fare</th>
                </tr>
              </thead>
              <tbody>
                {items.map((trip) => (
                  <tr
                    key={trip.id}
                    data-trip-id={trip.id}
                    aria-selected={trip.id === tripId}
                    className="dispatch-trips__row"
                    onClick={() => navigate(`/trips/${trip.id}`)}
                  >
                    <td>
                      <a href={`#/trips/${trip.id}`} onClick={(event) => event.stopPropagation()}>
                        {tripWords(trip.kind).title(trip.id)}
                      </a>
                    </td>
                    <td>
                      <span className={`convoy-pill dispatch-trip-pill dispatch-trip-pill--${trip.status}`} data-status={trip.status}>
                        {tripWords(trip.kind).status[trip.status]}
                      </span>
                    </td>
                    <td>{tripWords(trip.kind).partyLabel === null ? "Freight" : (trip.rider?.name ?? "—")}</td>
                    <td>{trip.driver?.name ?? "—"}</td>
                    <td className="dispatch-trips__route">
                      {trip.pickup.address} → {trip.dropoff.address}
                    </td>
                    <td>{formatTime(trip.requestedAt ?? trip.createdAt)}</td>
                    <td className="convoy-num">{trip.fareCents === null ? "—" : formatMoney(trip.fareCents)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {tripId !== null && <TripDetail key={tripId} tripId={tripId} onClose={() => navigate("/trips")} />}
    </div>
  );
}
