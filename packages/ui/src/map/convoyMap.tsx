import { useEffect, useRef, useState } from "react";
import * as L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./map.css";
import type { LatLng } from "../geo";
import { MarkerMotion } from "./markerMotion";
import { tileSource } from "./tiles";

/**
 * What a marker stands for; it decides the colour and size. Fleet markers use availability:
 * `available` green, `busy` orange, `offline` grey (also used for drivers not connected).
 */
export type MarkerTone = "pickup" | "dropoff" | "driver" | "me" | "available" | "busy" | "offline";

export interface MapMarker {
  /** Stable across renders: a marker that keeps its id moves instead of being redrawn. */
  id: string;
  position: LatLng;
  tone: MarkerTone;
  /** A character or two drawn inside the marker, e.g. "A". */
  label?: string;
  /** The marker's accessible name, also shown on hover. */
  title: string;
  /** Glide to each new position over about a second instead of jumping. @default false */
  animate?: boolean;
  /** Makes the marker a button (reachable with the keyboard). */
  onClick?: () => void;
}

/**
 * `route`: a straight pickup → dropoff line (dashed: nobody drives it); `road`: a route along
 * the streets from a routing engine; `trail`: where a driver has been.
 */
export type LineTone = "route" | "road" | "trail";

export interface MapLine {
  id: string;
  points: LatLng[];
  tone: LineTone;
}

export interface MapFit {
  /** The map re-frames whenever this changes (a new trip, say), and leaves people's panning alone otherwise. */
  key: string;
  /** Points to show: one centres on it, several are fitted with some padding. */
  points: LatLng[];
}

export interface ConvoyMapProps {
  /** The map's accessible name, e.g. "Trip map". */
  label: string;
  /** Where the map opens before any `fit`. */
  center: LatLng;
  /** Opening zoom level. @default 13 */
  zoom?: number;
  markers?: readonly MapMarker[];
  lines?: readonly MapLine[];
  fit?: MapFit | null;
  /** Called with the point a person clicked or tapped (not for clicks on interactive markers). */
  onMapClick?: (point: LatLng) => void;
  /** Extra class for the container, e.g. to set its height. */
  className?: string;
}

const MARKER_SIZES: Record<MarkerTone, number> = {
  pickup: 28,
  dropoff: 28,
  driver: 32,
  me: 22,
  available: 18,
  busy: 18,
  offline: 18,
};

const LINE_STYLES: Record<LineTone, L.PolylineOptions> = {
  route: { color: "#2457d6", weight: 4, opacity: 0.55, dashArray: "8 8" },
  road: { color: "#2457d6", weight: 5, opacity: 0.8 },
  trail: { color: "#b45309", weight: 4, opacity: 0.85 },
};

interface MarkerEntry {
  marker: L.Marker;
  motion: MarkerMotion;
  spec: MapMarker;
}

function icon(spec: MapMarker): L.DivIcon {
  const size = MARKER_SIZES[spec.tone];
  const face = document.createElement("span");
  face.className = "convoy-marker__face";
  // Text, never markup: labels can come from people's names.
  face.textContent = spec.label ?? "";
  return L.divIcon({
    className: `convoy-marker convoy-marker--${spec.tone}`,
    html: face,
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
  });
}

/** Marks the marker's element so it can be found (by tests, by people's tools) and is named. */
function decorate(marker: L.Marker, spec: MapMarker): void {
  const element = marker.getElement();
  if (!element) return;
  element.dataset.markerId = spec.id;
  element.dataset.tone = spec.tone;
  // Where the marker is heading (it may still be gliding there).
  element.dataset.lat = String(spec.position.lat);
  element.dataset.lng = String(spec.position.lng);
  element.setAttribute("aria-label", spec.title);
  element.title = spec.title;
}

const sameSpot = (a: LatLng, b: LatLng) => a.lat === b.lat && a.lng === b.lng;

/**
 * A Leaflet map as a React component: markers, lines and clicks are props, and markers
 * that keep their id glide to new positions. Tiles come from `tileSource()`; when they
 * cannot load (offline) the map still draws everything on a plain background and says so
 * in a corner.
 */
export function ConvoyMap({ label, center, zoom = 13, markers = [], lines = [], fit = null, onMapClick, className }: ConvoyMapProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<L.Map | null>(null);
  const [tilesFailed, setTilesFailed] = useState(false);
  const markerEntries = useRef(new Map<string, MarkerEntry>());
  const lineEntries = useRef(new Map<string, L.Polyline>());
  const onMapClickRef = useRef(onMapClick);
  onMapClickRef.current = onMapClick;
  // The opening view is read once; later changes go through `fit`.
  const opening = useRef({ center, zoom });

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const created = L.map(container, { center: opening.current.center, zoom: opening.current.zoom });
    const tiles = tileSource();
    L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 19 })
      .once("tileerror", () => setTilesFailed(true))
      .addTo(created);
    created.on("click", (event: L.LeafletMouseEvent) => onMapClickRef.current?.({ lat: event.latlng.lat, lng: event.latlng.lng }));
    const resize = new ResizeObserver(() => created.invalidateSize());
    resize.observe(container);
    const entries = markerEntries.current;
    const polylines = lineEntries.current;
    setMap(created);
    return () => {
      resize.disconnect();
      for (const entry of entries.values()) entry.motion.stop();
      entries.clear();
      polylines.clear();
      created.stop();
      created.remove();
      setMap(null);
    };
  }, []);

  useEffect(() => {
    if (!map) return;
    const entries = markerEntries.current;
    const wanted = new Set<string>();
    for (const spec of markers) {
      wanted.add(spec.id);
      const existing = entries.get(spec.id);
      if (!existing) {
        const marker = L.marker(spec.position, {
          icon: icon(spec),
          interactive: spec.onClick !== undefined,
          keyboard: spec.onClick !== undefined,
          bubblingMouseEvents: false,
          // Moving drivers stay on top of the places they drive to.
          zIndexOffset: spec.tone === "driver" ? 1_000 : 0,
        }).addTo(map);
        const entry: MarkerEntry = { marker, spec, motion: new MarkerMotion(spec.position, (point) => marker.setLatLng(point)) };
        marker.on("click", () => entry.spec.onClick?.());
        decorate(marker, spec);
        entries.set(spec.id, entry);
        continue;
      }
      const previous = existing.spec;
      existing.spec = spec;
      const moved = !sameSpot(previous.position, spec.position);
      if (previous.tone !== spec.tone || previous.label !== spec.label) existing.marker.setIcon(icon(spec));
      decorate(existing.marker, spec);
      if (moved) existing.motion.glideTo(spec.position, spec.animate ?? false);
    }
    for (const [id, entry] of entries) {
      if (wanted.has(id)) continue;
      entry.motion.stop();
      entry.marker.remove();
      entries.delete(id);
    }
  }, [map, markers]);

  useEffect(() => {
    if (!map) return;
    const entries = lineEntries.current;
    const wanted = new Set<string>();
    for (const line of lines) {
      wanted.add(line.id);
      const points = line.points.map((point): L.LatLngTuple => [point.lat, point.lng]);
      const existing = entries.get(line.id);
      if (existing) {
        existing.setLatLngs(points);
        existing.setStyle(LINE_STYLES[line.tone]);
        existing.getElement()?.setAttribute("data-line-tone", line.tone);
      } else {
        const created = L.polyline(points, { ...LINE_STYLES[line.tone], interactive: false }).addTo(map);
        created.getElement()?.setAttribute("data-line-id", line.id);
        created.getElement()?.setAttribute("data-line-tone", line.tone);
        entries.set(line.id, created);
      }
    }
    for (const [id, polyline] of entries) {
      if (wanted.has(id)) continue;
      polyline.remove();
      entries.delete(id);
    }
  }, [map, lines]);

  const fitKey = fit?.key ?? null;
  const fitPoints = useRef(fit?.points ?? []);
  fitPoints.current = fit?.points ?? [];
  useEffect(() => {
    if (!map || fitKey === null) return;
    const points = fitPoints.current;
    // The container may have been laid out since Leaflet last measured it.
    map.invalidateSize();
    // Not animated: a screen that unmounts mid-animation would leave Leaflet a removed pane to move.
    if (points.length === 1) map.setView(points[0]!, Math.max(map.getZoom(), 14), { animate: false });
    else if (points.length > 1) {
      const bounds = L.latLngBounds(points.map((point): L.LatLngTuple => [point.lat, point.lng]));
      map.fitBounds(bounds, { padding: [36, 36], maxZoom: 16, animate: false });
    }
  }, [map, fitKey]);

  return (
    <div className={`convoy-map${className ? ` ${className}` : ""}`}>
      <div ref={containerRef} className="convoy-map__canvas" role="region" aria-label={label} />
      {tilesFailed && <span className="convoy-map__notice">Map background unavailable</span>}
    </div>
  );
}
