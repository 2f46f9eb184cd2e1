import { useEffect, useMemo, useRef, useState, type SyntheticEvent } from "react";
import { keepPreviousData } from "@tanstack/react-query";
import type { FleetDriver, RouterOutputs } from "@convoy/api";
import { applyFleetFrame } from "@convoy/api/schemas";
import {
  availabilityLabel,
  errorMessage,
  formatDistance,
  formatPayload,
  haversineKm,
  isTrackableTrip,
  toLatLng,
  trpc,
  useNow,
  vehicleLabel,
  type Availability,
  type LatLng,
  type VehicleType,
} from "@convoy/ui";
import { currentTripLabel, useDriverDetails, type CurrentTripRef } from "./driverDetailsModal";
import { MakeOfferModal } from "./makeOfferModal";
import { presenceLabel, usePresenceLookup, type PresenceState } from "./presence";

export type Driver = RouterOutputs["drivers"]["list"][number];
type AvailabilityFilter = Availability | "all";
type PresenceFilter = "all" | "online" | "offline";

const AVAILABILITY_FILTERS: { value: AvailabilityFilter; label: string }[] = [
  { value: "all", label: "All drivers" },
  { value: "available", label: "Available" },
  { value: "busy", label: "Busy" },
  { value: "offline", label: "Offline" },
];

const PRESENCE_FILTERS: { value: PresenceFilter; label: string }[] = [
  { value: "all", label: "Online or not" },
  { value: "online", label: "Online" },
  { value: "offline", label: "Not online" },
];

/** A labelled filter drop-down whose value is always one of `options`. */
function FilterSelect<T extends string>(props: { label: string; options: { value: T; label: string }[]; value: T; onChange: (value: T) => void }) {
  const { label, options, value, onChange } = props;
  return (
    <label className="convoy-field">
      <span>{label}</span>
      <select value={value} onChange={(event) => onChange(options.find((option) => option.value === event.target.value)?.value ?? options[0]!.value)}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Every vehicle type once; a record so a new type cannot be forgotten here. */
const VEHICLE_TYPES = Object.keys({ car: 1, suv: 1, van: 1, box_truck: 1, flatbed: 1, reefer: 1 } satisfies Record<VehicleType, 1>) as VehicleType[];
const VEHICLE_FILTERS: { value: VehicleType | "all"; label: string }[] = [
  { value: "all", label: "Any vehicle" },
  ...VEHICLE_TYPES.map((type) => ({ value: type, label: vehicleLabel(type) })),
];

/** How long typing may pause before the search is sent, ms. */
const SEARCH_DELAY_MS = 250;
/** Changes to drivers the table does not hold are gathered this long before one refetch, ms. */
const REFETCH_DELAY_MS = 500;
/** With a pickup chosen, distances follow the drivers' positions at most this often, ms. */
const POSITION_RENDER_MS = 1_000;

function formatRating(driver: Driver): string {
  return driver.rating === null ? "—" : `★ ${driver.rating.toFixed(1)} (${driver.ratingCount})`;
}

function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/**
 * Every driver's availability, presence and position live from `tracking.onFleet`. Frames
 * that only move drivers re-render the table only when `followPositions` (a pickup is
 * chosen, so distances change), and then at most once a second. `onChange` hears about every
 * driver whose availability or presence changed.
 */
function useLiveFleet(followPositions: boolean, onChange: (driver: FleetDriver, isNew: boolean) => void): ReadonlyMap<number, FleetDriver> | null {
  const fleet = useRef<ReadonlyMap<number, FleetDriver> | null>(null);
  const [, setVersion] = useState(0);
  const lastRender = useRef(0);
  const latest = useRef({ followPositions, onChange });
  latest.current = { followPositions, onChange };
  trpc.tracking.onFleet.useSubscription(undefined, {
    onData: (frame) => {
      const before = fleet.current;
      fleet.current = applyFleetFrame(before, frame);
      const changed = frame.kind === "snapshot" ? [] : frame.drivers.filter((driver): driver is FleetDriver => "name" in driver);
      for (const driver of changed) latest.current.onChange(driver, !before?.has(driver.id));
      const now = Date.now();
      if (frame.kind === "snapshot" || changed.length > 0 || (latest.current.followPositions && now - lastRender.current >= POSITION_RENDER_MS)) {
        lastRender.current = now;
        setVersion((version) => version + 1);
      }
    },
  });
  return fleet.current;
}

interface LiveTrip extends CurrentTripRef {
  driverId: number | null;
}

/**
 * Trips as `trips.events` last described them, from when the page opened: which driver each
 * active trip is with. A trip that ended or moved to another driver is here too, so the row
 * loaded before it changed is overruled.
 */
function useLiveTrips(): ReadonlyMap<number, LiveTrip> {
  const [trips, setTrips] = useState<ReadonlyMap<number, LiveTrip>>(new Map());
  trpc.trips.events.useSubscription(undefined, {
    onData: ({ data: event }) => {
      const { trip } = event;
      setTrips((previous) =>
        new Map(previous).set(trip.id, { id: trip.id, kind: trip.kind, status: trip.status, driverId: trip.driver?.id ?? null }),
      );
    },
  });
  return trips;
}

/** A row as shown: the loaded driver with what the live streams say now. */
interface LiveRow {
  driver: Driver;
  availability: Availability;
  presence: PresenceState;
  trip: CurrentTripRef | null;
  distanceKm: number | null;
}

export interface DriversPageProps {
  /** Called with the new offer's id once it is sent. */
  onOfferCreated: (offerId: number) => void;
}

/**
 * Every driver, live: availability, presence (online, or when last seen), the trip they are
 * on, and the distance to a chosen pickup (a point, or an open offer's pickup). Search and
 * vehicle filters narrow what is loaded; availability and presence filters are applied to the
 * live values too, so a driver going offline leaves an "Online" list at once and shows
 * "last seen" in an unfiltered one, without a reload. Selected drivers (kept across filters)
 * get an offer through "Make offer"; a name opens the driver's details.
 */
export function DriversPage({ onOfferCreated }: DriversPageProps) {
  const [availability, setAvailability] = useState<AvailabilityFilter>("all");
  const [presenceFilter, setPresenceFilter] = useState<PresenceFilter>("all");
  const [vehicle, setVehicle] = useState<VehicleType | "all">("all");
  const [search, setSearch] = useState("");
  const searched = useDebounced(search.trim(), SEARCH_DELAY_MS);
  const [pickup, setPickup] = useState<LatLng | null>(null);
  const [selected, setSelected] = useState<ReadonlyMap<number, Driver>>(new Map());
  const [composing, setComposing] = useState(false);
  const details = useDriverDetails();
  const now = useNow(5_000);
  const utils = trpc.useUtils();

  const input = {
    ...(availability === "all" ? {} : { availability: [availability] }),
    ...(presenceFilter === "all" ? {} : { online: presenceFilter === "online" }),
    ...(vehicle === "all" ? {} : { vehicleTypes: [vehicle] }),
    ...(searched === "" ? {} : { search: searched }),
  };
  const drivers = trpc.drivers.list.useQuery(Object.keys(input).length === 0 ? undefined : input, {
    // Keep the old rows on screen while a new filter loads, instead of flashing empty.
    placeholderData: keepPreviousData,
  });

  // A driver the table does not hold may have come to match the availability or presence
  // filter (or joined the fleet): one refetch for a burst of such changes. Rows still on
  // screen from the previous filter, or a load already under way, may predate the change too.
  const loadedIds = useMemo(() => new Set((drivers.data ?? []).map((driver) => driver.id)), [drivers.data]);
  const rowsMayBeStale = drivers.isPlaceholderData || drivers.isFetching;
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (refetchTimer.current) clearTimeout(refetchTimer.current);
    },
    [],
  );
  const liveFilters = availability !== "all" || presenceFilter !== "all";
  const fleet = useLiveFleet(pickup !== null, (driver, isNew) => {
    const mayBeMissing = rowsMayBeStale || !loadedIds.has(driver.id);
    if (!mayBeMissing || (!isNew && !liveFilters) || refetchTimer.current) return;
    refetchTimer.current = setTimeout(() => {
      refetchTimer.current = null;
      void utils.drivers.list.invalidate();
    }, REFETCH_DELAY_MS);
  });
  const liveTrips = useLiveTrips();
  const presenceOf = usePresenceLookup();

  const rows = useMemo(() => {
    const tripsByDriver = new Map<number, LiveTrip>();
    for (const trip of liveTrips.values()) {
      if (trip.driverId === null || !isTrackableTrip(trip.status)) continue;
      const known = tripsByDriver.get(trip.driverId);
      if (!known || known.id < trip.id) tripsByDriver.set(trip.driverId, trip);
    }
    const live: LiveRow[] = (drivers.data ?? []).map((driver) => {
      const fleetDriver = fleet?.get(driver.id);
      const position = fleetDriver?.position ?? driver.position;
      const loadedTrip = driver.currentTrip && !liveTrips.has(driver.currentTrip.id) ? driver.currentTrip : null;
      return {
        driver,
        availability: fleetDriver?.availability ?? driver.availability,
        presence: presenceOf(driver.id, {
          online: fleetDriver?.online ?? driver.online,
          lastSeenAt: driver.lastSeenAt ? Date.parse(driver.lastSeenAt) : null,
        }),
        trip: tripsByDriver.get(driver.id) ?? loadedTrip,
        distanceKm: pickup && position ? haversineKm(pickup, position) : null,
      };
    });
    const shown = live.filter(
      (row) =>
        (availability === "all" || row.availability === availability) &&
        (presenceFilter === "all" || row.presence.online === (presenceFilter === "online")),
    );
    // Nearest first once there is a pickup to measure from; drivers with no position last.
    return pickup ? shown.sort((a, b) => (a.distanceKm ?? Infinity) - (b.distanceKm ?? Infinity)) : shown;
  }, [drivers.data, fleet, liveTrips, presenceOf, pickup, availability, presenceFilter]);

  const toggle = (driver: Driver) =>
    setSelected((previous) => {
      const next = new Map(previous);
      if (next.has(driver.id)) next.delete(driver.id);
      else next.set(driver.id, driver);
      return next;
    });
  const allShownSelected = rows.length > 0 && rows.every((row) => selected.has(row.driver.id));
  const toggleAllShown = () =>
    setSelected((previous) => {
      const next = new Map(previous);
      for (const { driver } of rows) {
        if (allShownSelected) next.delete(driver.id);
        else next.set(driver.id, driver);
      }
      return next;
    });

  return (
    <>
      <div className="convoy-toolbar">
        <h1>Drivers{drivers.data ? ` (${rows.length})` : ""}</h1>
        <label className="convoy-field">
          <span>Search</span>
          <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="Name, phone or vehicle" />
        </label>
        <FilterSelect label="Availability" options={AVAILABILITY_FILTERS} value={availability} onChange={setAvailability} />
        <FilterSelect label="Presence" options={PRESENCE_FILTERS} value={presenceFilter} onChange={setPresenceFilter} />
        <FilterSelect label="Vehicle" options={VEHICLE_FILTERS} value={vehicle} onChange={setVehicle} />
      </div>
      <div className="convoy-toolbar">
        <DistanceFromForm point={pickup} onChange={setPickup} />
        <OfferPickupPicker onPick={setPickup} />
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
                <th scope="col">Presence</th>
                <th scope="col">Current trip</th>
                <th scope="col" className="convoy-num">
                  Rating
                </th>
                <th scope="col" className="convoy-num">
                  Distance
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ driver, availability: live, presence, trip, distanceKm }) => (
                <tr
                  key={driver.id}
                  aria-selected={selected.has(driver.id)}
                  data-driver-id={driver.id}
                  data-online={presence.online}
                  data-availability={live}
                >
                  <td className="dispatch-select-cell">
                    <input type="checkbox" aria-label={`Select ${driver.name}`} checked={selected.has(driver.id)} onChange={() => toggle(driver)} />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="dispatch-link"
                      onClick={() => details.open(driver.id)}
                      title={`${driver.phone} · ${driver.email}`}
                    >
                      {driver.name}
                    </button>
                  </td>
                  <td>{vehicleLabel(driver.vehicleType)}</td>
                  <td className="convoy-num">{formatPayload(driver.payloadKg)}</td>
                  <td>
                    <span className={`convoy-pill convoy-pill--${live}`}>{availabilityLabel(live)}</span>
                  </td>
                  <td className="dispatch-presence-cell">
                    <span className={`convoy-presence${presence.online ? " convoy-presence--online" : ""}`} aria-hidden="true" />
                    {presenceLabel(presence, now)}
                  </td>
                  <td>{trip ? currentTripLabel(trip) : "—"}</td>
                  <td className="convoy-num">{formatRating(driver)}</td>
                  <td className="convoy-num">{distanceKm === null ? "—" : formatDistance(distanceKm)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <p className="convoy-centered">No drivers match these filters.</p>}
        </div>
      ) : (
        !drivers.error && <p className="convoy-muted">Loading drivers…</p>
      )}
      {details.modal}
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

/** Measures distances from the pickup of one of the dispatcher's open offers. */
function OfferPickupPicker({ onPick }: { onPick: (point: LatLng) => void }) {
  const offers = trpc.offers.list.useQuery({ status: ["open"], limit: 30 });
  const items = offers.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <label className="convoy-field">
      <span>Pickup of an open offer</span>
      <select
        value=""
        onChange={(event) => {
          const offer = items.find((item) => String(item.id) === event.target.value);
          if (offer) onPick({ lat: offer.pickup.lat, lng: offer.pickup.lng });
        }}
      >
        <option value="">Choose an offer…</option>
        {items.map((offer) => (
          <option key={offer.id} value={offer.id}>
            #{offer.id} · {offer.pickup.address}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Latitude and longitude of the pickup to measure drivers' distance from. */
function DistanceFromForm({ point, onChange }: { point: LatLng | null; onChange: (point: LatLng | null) => void }) {
  const [lat, setLat] = useState(point ? String(point.lat) : "");
  const [lng, setLng] = useState(point ? String(point.lng) : "");
  const [invalid, setInvalid] = useState(false);
  // A pickup chosen elsewhere (an offer's) shows in the fields, so it can be seen and cleared.
  useEffect(() => {
    if (!point) return;
    setLat(String(point.lat));
    setLng(String(point.lng));
    setInvalid(false);
  }, [point]);

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
