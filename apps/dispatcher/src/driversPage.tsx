import { useState } from "react";
import { keepPreviousData } from "@tanstack/react-query";
import { availabilityLabel, errorMessage, formatPayload, trpc, vehicleLabel, type Availability } from "@convoy/ui";
import type { RouterOutputs } from "@convoy/api";

type Driver = RouterOutputs["drivers"]["list"][number];
type Filter = Availability | "all";

const FILTERS: { value: Filter; label: string }[] = [
  { value: "all", label: "All drivers" },
  { value: "available", label: "Available" },
  { value: "busy", label: "Busy" },
  { value: "offline", label: "Offline" },
];

function formatRating(driver: Driver): string {
  return driver.rating === null ? "—" : `★ ${driver.rating.toFixed(1)} (${driver.ratingCount})`;
}

/** The dispatcher's first screen: every driver, filterable by availability. */
export function DispatcherHome() {
  const [filter, setFilter] = useState<Filter>("all");
  const drivers = trpc.drivers.list.useQuery(filter === "all" ? undefined : { availability: [filter] }, {
    // Keep the old rows on screen while a new filter loads, instead of flashing empty.
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <div className="convoy-toolbar">
        <h1>Drivers{drivers.data ? ` (${drivers.data.length})` : ""}</h1>
        <label className="convoy-field">
          <span>Availability</span>
          <select
            value={filter}
            onChange={(event) => setFilter(FILTERS.find((option) => option.value === event.target.value)?.value ?? "all")}
          >
            {FILTERS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {drivers.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(drivers.error)}
        </p>
      )}
      {drivers.data ? (
        <div className="convoy-table-wrap">
          <table className="convoy-table" aria-label="Drivers">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Vehicle</th>
                <th scope="col" className="convoy-num">
                  Payload
                </th>
                <th scope="col">Availability</th>
                <th scope="col" className="convoy-num">
                  Rating
                </th>
              </tr>
            </thead>
            <tbody>
              {drivers.data.map((driver) => (
                <tr key={driver.id}>
                  <td>{driver.name}</td>
                  <td>{vehicleLabel(driver.vehicleType)}</td>
                  <td className="convoy-num">{formatPayload(driver.payloadKg)}</td>
                  <td>
                    <span className={`convoy-pill convoy-pill--${driver.availability}`}>{availabilityLabel(driver.availability)}</span>
                  </td>
                  <td className="convoy-num">{formatRating(driver)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {drivers.data.length === 0 && <p className="convoy-centered">No drivers match this filter.</p>}
        </div>
      ) : (
        !drivers.error && <p className="convoy-muted">Loading drivers…</p>
      )}
    </>
  );
}
