import { memo, useCallback, useMemo, useRef, useState } from "react";
import type { FleetDriver } from "@convoy/api";
import { applyFleetFrame } from "@convoy/api/schemas";
import {
  availabilityLabel,
  ConvoyMap,
  feedPausedSince,
  feedUpdated,
  formatClock,
  formatTime,
  trpc,
  useConnectionStatus,
  useNow,
  type FeedTimes,
  type MapClustering,
  type MapFit,
  type MapMarker,
  type MarkerTone,
} from "@convoy/ui";
import { DriverDetailsModal } from "./driverDetailsModal";
import { placeArea, usePlaces } from "./placesPage";

/** Downtown Chicago, the demo city, until the first snapshot says where the drivers are. */
const DEFAULT_CENTER = { lat: 41.8781, lng: -87.6298 };

/** Drivers too close to tell apart at the current zoom are drawn as one numbered circle. */
const CLUSTERING: MapClustering = { title: (count) => `${count} drivers` };

/** Green available, orange busy, grey when offline or not connected (whatever the switch says). */
export function fleetTone(driver: Pick<FleetDriver, "availability" | "online">): Exclude<MarkerTone, "pickup" | "dropoff" | "driver" | "me"> {
  if (!driver.online || driver.availability === "offline") return "offline";
  return driver.availability;
}

const TONE_LABELS = { available: "Available", busy: "Busy", offline: "Offline or not connected" } as const;

interface Fleet {
  drivers: ReadonlyMap<number, FleetDriver> | null;
  error: string | null;
  /** When the last frames arrived, for saying when the picture stopped being live. */
  times: FeedTimes;
}

/**
 * Every driver live from `tracking.onFleet`: the snapshot, then conflated frames with the
 * drivers that changed (most of them only a new position). Nothing is fetched twice; a reconnect starts with a new snapshot.
 */
function useFleet(): Fleet {
  const [fleet, setFleet] = useState<Fleet>({ drivers: null, error: null, times: { lastAt: null, previousAt: null } });
  trpc.tracking.onFleet.useSubscription(undefined, {
    onData: (frame) => {
      const at = Date.now();
      setFleet((previous) => ({ drivers: applyFleetFrame(previous.drivers, frame), error: null, times: feedUpdated(previous.times, at) }));
    },
    onError: (cause) => setFleet((previous) => ({ ...previous, error: cause.message })),
  });
  return fleet;
}

/**
 * The live fleet map, filling the window beside a scrollable list of drivers: one marker per
 * driver with a known position, coloured by availability and presence, grouped where they
 * crowd. A marker or a list entry opens the driver's details. When the picture stops being
 * live (the connection is lost, or frames stop coming) the map says so and since when.
 */
export function FleetPage() {
  const { drivers, error, times } = useFleet();
  const connection = useConnectionStatus();
  const now = useNow();
  const [selected, setSelected] = useState<number | null>(null);
  const [detailsFor, setDetailsFor] = useState<number | null>(null);
  const [focus, setFocus] = useState<MapFit | null>(null);
  const pausedSince = feedPausedSince(connection === "connected", times, now);
  const savedPlaces = usePlaces().data?.places;
  const areas = useMemo(() => (savedPlaces ?? []).map(placeArea), [savedPlaces]);

  const list = useMemo(() => [...(drivers?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [drivers]);
  const counts = useMemo(() => {
    const result = { available: 0, busy: 0, offline: 0 };
    for (const driver of list) result[fleetTone(driver)] += 1;
    return result;
  }, [list]);
  const positioned = useMemo(() => list.filter((driver) => driver.position !== null), [list]);

  const markers = useMemo(
    () =>
      positioned.map((driver): MapMarker => ({
        id: `driver-${driver.id}`,
        position: { lat: driver.position!.lat, lng: driver.position!.lng },
        tone: fleetTone(driver),
        title: `${driver.name}: ${availabilityLabel(driver.availability)}${driver.online ? "" : ", not connected"}`,
        animate: true,
        // The driver someone picked stays in sight, never folded into a group.
        groupable: driver.id !== selected,
        onClick: () => {
          setSelected(driver.id);
          setDetailsFor(driver.id);
        },
      })),
    [positioned, selected],
  );

  // Frame the whole fleet once, when the first snapshot arrives; after that the dispatcher pans.
  const fit = focus ?? (positioned.length > 0 ? { key: "fleet", points: positioned.map((driver) => driver.position!) } : null);
  const chosen = selected === null ? null : (drivers?.get(selected) ?? null);
  // Read at the click, so the list's rows need not redraw for every position reported.
  const latest = useRef(drivers);
  latest.current = drivers;
  const choose = useCallback((driverId: number) => {
    setSelected(driverId);
    const position = latest.current?.get(driverId)?.position;
    if (position) setFocus({ key: `driver-${driverId}-${Date.now()}`, points: [position] });
  }, []);

  return (
    <div className="dispatch-fleet" data-live={pausedSince === null ? "live" : "paused"}>
      <div className="dispatch-fleet__map">
        <ConvoyMap
          label="Fleet map"
          className="dispatch-map"
          center={DEFAULT_CENTER}
          zoom={11}
          markers={markers}
          areas={areas}
          fit={fit}
          cluster={CLUSTERING}
        />
        {pausedSince !== null && (
          <p className="dispatch-fleet__paused" role="status">
            Live data paused — last update {formatClock(pausedSince)}
          </p>
        )}
      </div>
      <aside className="dispatch-fleet__side" aria-label="Fleet">
        <div className="convoy-toolbar">
          <h1>Fleet</h1>
          <span className="convoy-muted">{drivers ? `${list.length} drivers` : "Connecting…"}</span>
        </div>
        {error && (
          <p className="convoy-error" role="alert">
            {error}
          </p>
        )}
        <ul className="dispatch-legend" aria-label="Legend">
          {(["available", "busy", "offline"] as const).map((tone) => (
            <li key={tone} data-tone={tone}>
              <span className={`dispatch-legend__dot dispatch-legend__dot--${tone}`} aria-hidden="true" />
              {TONE_LABELS[tone]} <strong>{counts[tone]}</strong>
            </li>
          ))}
        </ul>
        {chosen && <DriverFacts driver={chosen} onDetails={() => setDetailsFor(chosen.id)} />}
        <ul className="dispatch-fleet__list" aria-label="Drivers on the map">
          {list.map((driver) => (
            <FleetRow
              key={driver.id}
              driverId={driver.id}
              name={driver.name}
              tone={fleetTone(driver)}
              status={`${availabilityLabel(driver.availability)}${driver.online ? "" : ", away"}${driver.position ? "" : ", no position"}`}
              selected={driver.id === selected}
              onChoose={choose}
              onDetails={setDetailsFor}
            />
          ))}
        </ul>
      </aside>
      {detailsFor !== null && <DriverDetailsModal driverId={detailsFor} onClose={() => setDetailsFor(null)} />}
    </div>
  );
}

interface FleetRowProps {
  driverId: number;
  name: string;
  tone: ReturnType<typeof fleetTone>;
  /** "Available", "Busy, away", "Offline, no position"… */
  status: string;
  selected: boolean;
  onChoose: (driverId: number) => void;
  onDetails: (driverId: number) => void;
}

/** Plain values in, so a row redraws when what it shows changes, not on every position reported. */
const FleetRow = memo(function FleetRow({ driverId, name, tone, status, selected, onChoose, onDetails }: FleetRowProps) {
  return (
    <li className="dispatch-fleet__row" data-driver-id={driverId}>
      <button type="button" className="dispatch-fleet__driver" aria-pressed={selected} onClick={() => onChoose(driverId)}>
        <span className={`dispatch-legend__dot dispatch-legend__dot--${tone}`} aria-hidden="true" />
        <span className="dispatch-fleet__name">{name}</span>
        <span className="convoy-muted">{status}</span>
      </button>
      <button
        type="button"
        className="convoy-button convoy-button--quiet convoy-button--small"
        aria-label={`Details of ${name}`}
        onClick={() => onDetails(driverId)}
      >
        Details
      </button>
    </li>
  );
});

function DriverFacts({ driver, onDetails }: { driver: FleetDriver; onDetails: () => void }) {
  const { position } = driver;
  return (
    <section className="convoy-card dispatch-fleet__facts" aria-label={`Driver ${driver.name}`}>
      <div className="dispatch-fleet__facts-head">
        <h2>{driver.name}</h2>
        <button type="button" className="convoy-button convoy-button--small" onClick={onDetails}>
          Driver details
        </button>
      </div>
      <dl className="convoy-facts">
        <dt>Status</dt>
        <dd>
          {availabilityLabel(driver.availability)}, {driver.online ? "connected" : "not connected"}
        </dd>
        <dt>Last fix</dt>
        <dd>{position ? formatTime(new Date(position.recordedAt).toISOString()) : "Never reported"}</dd>
        {position?.speedMps != null && (
          <>
            <dt>Speed</dt>
            <dd>{Math.round(position.speedMps * 3.6)} km/h</dd>
          </>
        )}
      </dl>
    </section>
  );
}
