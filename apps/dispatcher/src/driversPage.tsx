import { useMemo, useState, type SyntheticEvent } from "react";
import { keepPreviousData } from "@tanstack/react-query";
import {
  availabilityLabel,
  errorMessage,
  formatDistance,
  formatPayload,
  toLatLng,
  trpc,
  vehicleLabel,
  type Availability,
  type LatLng,
} from "@convoy/ui";
import type { RouterOutputs } from "@convoy/api";
import { MakeOfferModal } from "./makeOfferModal";

export type Driver = RouterOutputs["drivers"]["list"][number];
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

export interface DriversPageProps {
  /** Called with the new offer's id once it is sent. */
  onOfferCreated: (offerId: number) => void;
}

/**
 * Every driver, filterable by availability, with the distance to a pickup point when one is
 * given. Selected drivers (kept across filters) get an offer through "Make offer".
 */
export function DriversPage({ onOfferCreated }: DriversPageProps) {
  const [filter, setFilter] = useState<Filter>("all");
  const [pickup, setPickup] = useState<LatLng | null>(null);
  const [selected, setSelected] = useState<ReadonlyMap<number, Driver>>(new Map());
  const [composing, setComposing] = useState(false);

  const drivers = trpc.drivers.list.useQuery(
    filter === "all" && !pickup
      ? undefined
      : { ...(filter === "all" ? {} : { availability: [filter] }), ...(pickup ? { distanceFrom: pickup } : {}) },
    // Keep the old rows on screen while a new filter loads, instead of flashing empty.
    { placeholderData: keepPreviousData },
  );
  const rows = useMemo(() => {
    const list = drivers.data ?? [];
    // Nearest first once there is a pickup to measure from; drivers with no position last.
    return pickup ? [...list].sort((a, b) => (a.distanceKm ?? Infinity) - (b.distanceKm ?? Infinity)) : list;
  }, [drivers.data, pickup]);

  const toggle = (driver: Driver) =>
    setSelected((previous) => {
      const next = new Map(previous);
      if (next.has(driver.id)) next.delete(driver.id);
      else next.set(driver.id, driver);
      return next;
    });
  const allShownSelected = rows.length > 0 && rows.every((driver) => selected.has(driver.id));
  const toggleAllShown = () =>
    setSelected((previous) => {
      const next = new Map(previous);
      for (const driver of rows) {
        if (allShownSelected) next.delete(driver.id);
        else next.set(driver.id, driver);
      }
      return next;
    });

  return (
    <>
      <div className="convoy-toolbar">
        <h1>Drivers{drivers.data ? ` (${drivers.data.length})` : ""}</h1>
        <label className="convoy-field">
          <span>Availability</span>
          <select value={filter} onChange={(event) => setFilter(FILTERS.find((option) => option.value === event.target.value)?.value ?? "all")}>
            {FILTERS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="convoy-toolbar">
        <DistanceFromForm point={pickup} onChange={setPickup} />
        <div className="dispatch-selection">
          <span className="convoy-muted" aria-live="polite">
            {selected.size === 0 ? "Select drivers to offer a load" : `${selected.size} selected`}
          </span>
          {selected.size > 0 && (
            <button type="button" className="convoy-button convoy-button--quiet" onClick={() => setSelected(new Map())}>
              Clear
            </button>
          )}
          <button type="button" className="convoy-button convoy-button--primary" disabled={selected.size === 0} onClick={() => setComposing(true)}>
            Make offer
          </button>
        </div>
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
                <th scope="col" className="dispatch-select-cell">
                  <input type="checkbox" aria-label="Select all shown drivers" checked={allShownSelected} onChange={toggleAllShown} />
                </th>
                <th scope="col">Name</th>
                <th scope="col">Vehicle</th>
                <th scope="col" className="convoy-num">
                  Payload
                </th>
                <th scope="col">Availability</th>
                <th scope="col" className="convoy-num">
                  Rating
                </th>
                <th scope="col" className="convoy-num">
                  Distance
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((driver) => (
                <tr key={driver.id} aria-selected={selected.has(driver.id)}>
                  <td className="dispatch-select-cell">
                    <input type="checkbox" aria-label={`Select ${driver.name}`} checked={selected.has(driver.id)} onChange={() => toggle(driver)} />
                  </td>
                  <td>{driver.name}</td>
                  <td>{vehicleLabel(driver.vehicleType)}</td>
                  <td className="convoy-num">{formatPayload(driver.payloadKg)}</td>
                  <td>
                    <span className={`convoy-pill convoy-pill--${driver.availability}`}>{availabilityLabel(driver.availability)}</span>
                  </td>
                  <td className="convoy-num">{formatRating(driver)}</td>
                  <td className="convoy-num">{driver.distanceKm === null ? "—" : formatDistance(driver.distanceKm)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <p className="convoy-centered">No drivers match this filter.</p>}
        </div>
      ) : (
        !drivers.error && <p className="convoy-muted">Loading drivers…</p>
      )}
      {composing && (
        <MakeOfferModal
          drivers={[...selected.values()]}
          pickupPoint={pickup}
          onClose={() => setComposing(false)}
          onCreated={(offerId) => {
            setComposing(false);
            setSelected(new Map());
            onOfferCreated(offerId);
          }}
        />
      )}
    </>
  );
}

/** Latitude and longitude of the pickup to measure drivers' distance from. */
function DistanceFromForm({ point, onChange }: { point: LatLng | null; onChange: (point: LatLng | null) => void }) {
  const [lat, setLat] = useState(point ? String(point.lat) : "");
  const [lng, setLng] = useState(point ? String(point.lng) : "");
  const [invalid, setInvalid] = useState(false);

  const apply = (event: SyntheticEvent) => {
    event.preventDefault();
    const next = toLatLng(lat.trim() === "" ? undefined : Number(lat), lng.trim() === "" ? undefined : Number(lng));
    setInvalid(next === null);
    if (next) onChange(next);
  };

  return (
    <form className="dispatch-distance" onSubmit={apply} aria-label="Distance to a pickup">
      <label className="convoy-field">
        <span>Pickup lat</span>
        <input inputMode="decimal" value={lat} onChange={(event) => setLat(event.target.value)} placeholder="41.8837" aria-invalid={invalid} />
      </label>
      <label className="convoy-field">
        <span>Pickup lng</span>
        <input inputMode="decimal" value={lng} onChange={(event) => setLng(event.target.value)} placeholder="-87.6278" aria-invalid={invalid} />
      </label>
      <button type="submit" className="convoy-button">
        Show distances
      </button>
      {point && (
        <button
          type="button"
          className="convoy-button convoy-button--quiet"
          onClick={() => {
            setLat("");
            setLng("");
            setInvalid(false);
            onChange(null);
          }}
        >
          Clear
        </button>
      )}
      {invalid && <span className="convoy-field__error">Enter a latitude (−90…90) and a longitude (−180…180).</span>}
    </form>
  );
}
