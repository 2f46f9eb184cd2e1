import { useMemo, useState } from "react";
import type { FleetDriver } from "@convoy/api";
import { applyFleetFrame } from "@convoy/api/schemas";
import { availabilityLabel, ConvoyMap, formatTime, trpc, type MapFit, type MapMarker, type MarkerTone } from "@convoy/ui";
import "./tripsDesk.css";

/** Downtown Chicago, the demo city, until the first snapshot says where the drivers are. */
const DEFAULT_CENTER = { lat: 41.8781, lng: -87.6298 };

/** Green available, orange busy, grey when offline or not connected (whatever the switch says). */
export function fleetTone(driver: Pick<FleetDriver, "availability" | "online">): Exclude<MarkerTone, "pickup" | "dropoff" | "driver" | "me"> {
  if (!driver.online || driver.availability === "offline") return "offline";
  return driver.availability;
}

const TONE_LABELS = { available: "Available", busy: "Busy", offline: "Offline or not connected" } as const;

/**
 * Every driver live from `tracking.onFleet`: the snapshot, then conflated frames with the
 * drivers that changed (most of them only a new position). Nothing is fetched twice; a reconnect starts with a new snapshot.
 */
function useFleet(): { drivers: ReadonlyMap<number, FleetDriver> | null; error: string | null } {
  const [drivers, setDrivers] = useState<ReadonlyMap<number, FleetDriver> | null>(null);
  const [error, setError] = useState<string | null>(null);
  trpc.tracking.onFleet.useSubscription(undefined, {
    onData: (frame) => {
      setError(null);
      setDrivers((previous) => applyFleetFrame(previous, frame));
    },
    onError: (cause) => setError(cause.message),
  });
  return { drivers, error };
}

/** The live fleet map: one marker per driver with a known position, coloured by availability and presence. */
export function FleetPage() {
  const { drivers, error } = useFleet();
  const [selected, setSelected] = useState<number | null>(null);
  const [focus, setFocus] = useState<MapFit | null>(null);

  const list = useMemo(() => [...(drivers?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [drivers]);
  const counts = useMemo(() => {
    const result = { available: 0, busy: 0, offline: 0 };
    for (const driver of list) result[fleetTone(driver)] += 1;
    return result;
  }, [list]);
  const positioned = list.filter((driver) => driver.position !== null);

  const markers: MapMarker[] = positioned.map((driver) => ({
    id: `driver-${driver.id}`,
    position: { lat: driver.position!.lat, lng: driver.position!.lng },
    tone: fleetTone(driver),
    title: `${driver.name}: ${availabilityLabel(driver.availability)}${driver.online ? "" : ", not connected"}`,
    animate: true,
    onClick: () => setSelected(driver.id),
  }));

  // Frame the whole fleet once, when the first snapshot arrives; after that the dispatcher pans.
  const fit = focus ?? (positioned.length > 0 ? { key: "fleet", points: positioned.map((driver) => driver.position!) } : null);
  const chosen = selected === null ? null : (drivers?.get(selected) ?? null);

  return (
    <div className="dispatch-fleet">
      <div className="dispatch-fleet__map">
        <ConvoyMap label="Fleet map" className="dispatch-map" center={DEFAULT_CENTER} zoom={11} markers={markers} fit={fit} />
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
        {chosen && <DriverFacts driver={chosen} />}
        <ul className="dispatch-fleet__list">
          {list.map((driver) => (
            <li key={driver.id}>
              <button
                type="button"
                className="dispatch-fleet__driver"
                aria-pressed={driver.id === selected}
                onClick={() => {
                  setSelected(driver.id);
                  if (driver.position) setFocus({ key: `driver-${driver.id}-${Date.now()}`, points: [driver.position] });
                }}
              >
                <span className={`dispatch-legend__dot dispatch-legend__dot--${fleetTone(driver)}`} aria-hidden="true" />
                <span className="dispatch-fleet__name">{driver.name}</span>
                <span className="convoy-muted">
                  {availabilityLabel(driver.availability)}
                  {driver.online ? "" : ", away"}
                  {driver.position ? "" : ", no position"}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
    </div>
  );
}

function DriverFacts({ driver }: { driver: FleetDriver }) {
  const { position } = driver;
  return (
    <section className="convoy-card dispatch-fleet__facts" aria-label={`Driver ${driver.name}`}>
      <h2>{driver.name}</h2>
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
