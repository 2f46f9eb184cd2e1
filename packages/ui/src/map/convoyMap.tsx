import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import * as L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./map.css";
import type { LatLng } from "../geo";
import { PlaceKey } from "../placeKey";
import { PLACE_WORDS, type PlaceKind } from "../words";
import { clusterPoints } from "./clusters";
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
  /**
   * A character or two drawn inside the marker. Pickup and dropoff markers always read P and
   * D (`PLACE_WORDS`), the same on every map, and the map's legend says so; this is ignored for them.
   */
  label?: string;
  /** The marker's accessible name, also shown on hover. */
  title: string;
  /** Glide to each new position over about a second instead of jumping. @default false */
  animate?: boolean;
  /** Makes the marker a button (reachable with the keyboard). */
  onClick?: () => void;
  /**
   * Whether the marker may be drawn inside a group when the map clusters; false keeps it on
   * its own, e.g. the driver someone picked. @default true
   */
  groupable?: boolean;
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

/** A saved place's shape: a circle (centre, radius in metres) or a polygon (its corners in order). */
export type AreaShape = { kind: "circle"; center: LatLng; radiusM: number } | { kind: "polygon"; vertices: LatLng[] };

/** `place`: a saved place; `draft`: one being drawn (dashed). */
export type AreaTone = "place" | "draft";

/** An area drawn under the markers; clicks pass through it to the map. */
export interface MapArea {
  id: string;
  shape: AreaShape;
  tone: AreaTone;
  /** Its name, kept on the drawn element (`data-area-title`). */
  title: string;
}

export interface MapFit {
  /** The map re-frames whenever this changes (a new trip, say), and leaves people's panning alone otherwise. */
  key: string;
  /** Points to show: one centres on it, several are fitted with some padding. */
  points: LatLng[];
}

export interface MapClustering {
  /** A group's accessible name and hover text, e.g. `(count) => \`${count} drivers\``. */
  title: (count: number) => string;
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
  /** Places drawn as circles and polygons, under everything else. */
  areas?: readonly MapArea[];
  fit?: MapFit | null;
  /**
   * Draw markers that would overlap as one numbered circle (a fleet); clicking it zooms in on
   * them. Off by default: a trip's few markers are all worth seeing.
   */
  cluster?: MapClustering | null;
  /** Called with the point a person clicked or tapped (not for clicks on interactive markers). */
  onMapClick?: (point: LatLng) => void;
  /** Extra class for the container, e.g. to set its height. */
  className?: string;
}

/**
 * How far in from the map's edges fitted points are drawn, so that a marker (up to 32 px)
 * on a fitted edge stays clear of what is drawn over the map: the zoom buttons (top left,
 * 48 px wide), the notes and legend (top, two rows when a phone-wide map wraps them) and the
 * attribution (bottom right, two lines on a phone).
 */
const FIT_PADDING_TOP_LEFT: L.PointTuple = [64, 80];
const FIT_PADDING_BOTTOM_RIGHT: L.PointTuple = [36, 68];

const MARKER_SIZES: Record<MarkerTone, number> = {
  pickup: 28,
  dropoff: 28,
  driver: 32,
  me: 22,
  available: 18,
  busy: 18,
  offline: 18,
};

const AREA_STYLES: Record<AreaTone, L.PathOptions> = {
  place: { color: "#7c3aed", weight: 2, opacity: 0.8, fillOpacity: 0.12 },
  draft: { color: "#db2777", weight: 2, opacity: 0.9, fillOpacity: 0.08, dashArray: "6 6" },
};

function areaLayer(area: MapArea): L.Path {
  const style = { ...AREA_STYLES[area.tone], interactive: false };
  const { shape } = area;
  if (shape.kind === "circle") return L.circle([shape.center.lat, shape.center.lng], { ...style, radius: shape.radiusM });
  // A polygon still being drawn may have one or two corners: a dot or a line until it closes.
  const points = shape.vertices.map((vertex): L.LatLngTuple => [vertex.lat, vertex.lng]);
  return points.length < 3 ? L.polyline(points, style) : L.polygon(points, style);
}

const LINE_STYLES: Record<LineTone, L.PolylineOptions> = {
  route: { color: "#2457d6", weight: 4, opacity: 0.55, dashArray: "8 8" },
  road: { color: "#2457d6", weight: 5, opacity: 0.8 },
  trail: { color: "#b45309", weight: 4, opacity: 0.85 },
};

/** How close, in screen pixels, markers must be to be drawn as one group. */
const CLUSTER_RADIUS_PX = 48;
/** From this zoom level on (a street or two across) every marker is drawn on its own. */
const CLUSTER_MAX_ZOOM = 18;

interface MarkerEntry {
  marker: L.Marker;
  motion: MarkerMotion;
  spec: MapMarker;
  /** On the map, rather than stood for by a cluster. */
  shown: boolean;
}

interface ClusterEntry {
  marker: L.Marker;
  ids: string[];
}

const isPlace = (tone: MarkerTone): tone is PlaceKind => tone === "pickup" || tone === "dropoff";

/** The text inside a marker: a place's fixed letter, else the caller's label. */
function markerText(spec: MapMarker): string {
  return isPlace(spec.tone) ? PLACE_WORDS[spec.tone].letter : (spec.label ?? "");
}

function icon(spec: MapMarker): L.DivIcon {
  const size = MARKER_SIZES[spec.tone];
  const face = document.createElement("span");
  face.className = "convoy-marker__face";
  // Text, never markup: labels can come from people's names.
  face.textContent = markerText(spec);
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

/** Whether a marker would look or behave any differently drawn from `next` instead of `previous`. */
function sameMarker(previous: MapMarker, next: MapMarker): boolean {
  return (
    sameSpot(previous.position, next.position) &&
    previous.tone === next.tone &&
    previous.label === next.label &&
    previous.title === next.title &&
    previous.animate === next.animate &&
    previous.groupable === next.groupable &&
    (previous.onClick === undefined) === (next.onClick === undefined)
  );
}

/** A group's circle grows with how many it stands for, so a big crowd reads as one at a glance. */
const clusterSize = (count: number) => (count < 10 ? 30 : count < 100 ? 36 : 42);

function clusterIcon(count: number): L.DivIcon {
  const size = clusterSize(count);
  const face = document.createElement("span");
  face.className = "convoy-cluster__count";
  face.textContent = String(count);
  return L.divIcon({ className: "convoy-cluster", html: face, iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
}

function decorateCluster(entry: ClusterEntry, key: string, title: string): void {
  const element = entry.marker.getElement();
  if (!element) return;
  element.dataset.clusterId = key;
  element.dataset.clusterSize = String(entry.ids.length);
  element.setAttribute("aria-label", `${title}: zoom in`);
  element.title = title;
}

function showMarker(map: L.Map, entry: MarkerEntry): void {
  if (entry.shown) return;
  entry.shown = true;
  entry.marker.addTo(map);
  // A marker's element is made anew each time it is added.
  decorate(entry.marker, entry.spec);
}

function hideMarker(entry: MarkerEntry): void {
  if (!entry.shown) return;
  entry.shown = false;
  entry.marker.remove();
  // Ends any glide at its destination: the group stands for where the marker is going.
  entry.motion.glideTo(entry.spec.position, false);
}

/** Frames a group's members, close enough that they come apart. */
function zoomToMembers(map: L.Map, points: LatLng[]): void {
  if (points.length === 0) return;
  const bounds = L.latLngBounds(points.map((point): L.LatLngTuple => [point.lat, point.lng]));
  // Not animated, as for `fit`: a page that unmounts mid-zoom would leave Leaflet a removed pane.
  map.fitBounds(bounds, { padding: [48, 48], maxZoom: CLUSTER_MAX_ZOOM, animate: false });
  // Members on one spot fit at any zoom; go to the level where groups are drawn apart.
  if (map.getZoom() < CLUSTER_MAX_ZOOM && bounds.getNorthEast().equals(bounds.getSouthWest())) map.setZoom(CLUSTER_MAX_ZOOM, { animate: false });
}

/**
 * A Leaflet map as a React component: markers, lines and clicks are props, and markers
 * that keep their id glide to new positions. Tiles come from `tileSource()`; when they
 * cannot load (offline) the map still draws everything on a plain background and says so
 * in a corner.
 */
export function ConvoyMap({
  label,
  center,
  zoom = 13,
  markers = [],
  lines = [],
  areas = [],
  fit = null,
  cluster = null,
  onMapClick,
  className,
}: ConvoyMapProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<L.Map | null>(null);
  const [tilesFailed, setTilesFailed] = useState(false);
  const markerEntries = useRef(new Map<string, MarkerEntry>());
  const clusterEntries = useRef(new Map<string, ClusterEntry>());
  const lineEntries = useRef(new Map<string, L.Polyline>());
  const clusterRef = useRef(cluster ?? null);
  clusterRef.current = cluster ?? null;
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
    const groups = clusterEntries.current;
    const polylines = lineEntries.current;
    setMap(created);
    return () => {
      resize.disconnect();
      for (const entry of entries.values()) entry.motion.stop();
      entries.clear();
      groups.clear();
      polylines.clear();
      created.stop();
      created.remove();
      setMap(null);
    };
  }, []);

  /**
   * Decides which markers are drawn on their own and which are stood for by a group, from the
   * places they are heading to (not where a glide has got to), at the current zoom. Markers
   * and groups that stay are updated in place; only those that change sides are added or
   * removed. Runs after every markers update and zoom, never per animation frame.
   */
  const regroup = useCallback(() => {
    if (!map) return;
    const entries = markerEntries.current;
    const groups = clusterEntries.current;
    const clustering = clusterRef.current;
    const zoom = map.getZoom();
    const wanted = new Set<string>();
    if (clustering && zoom < CLUSTER_MAX_ZOOM) {
      const points = [];
      for (const entry of entries.values()) {
        if (entry.spec.groupable === false) {
          showMarker(map, entry);
          continue;
        }
        const point = map.project(entry.spec.position, zoom);
        points.push({ id: entry.spec.id, x: point.x, y: point.y });
      }
      for (const group of clusterPoints(points, CLUSTER_RADIUS_PX)) {
        if (group.ids.length === 1) {
          showMarker(map, entries.get(group.key)!);
          continue;
        }
        for (const id of group.ids) hideMarker(entries.get(id)!);
        wanted.add(group.key);
        const at = map.unproject([group.x, group.y], zoom);
        const title = clustering.title(group.ids.length);
        let entry = groups.get(group.key);
        if (!entry) {
          const marker = L.marker(at, { icon: clusterIcon(group.ids.length), keyboard: true, bubblingMouseEvents: false, zIndexOffset: 2_000 }).addTo(
            map,
          );
          const created: ClusterEntry = { marker, ids: group.ids };
          marker.on("click", () =>
            zoomToMembers(
              map,
              created.ids.map((id) => entries.get(id)?.spec.position).filter((p) => p !== undefined),
            ),
          );
          groups.set(group.key, created);
          entry = created;
        } else {
          const count = group.ids.length;
          // The same element stays while the circle keeps its size; only its number changes.
          if (clusterSize(entry.ids.length) !== clusterSize(count)) entry.marker.setIcon(clusterIcon(count));
          else if (entry.ids.length !== count) {
            const face = entry.marker.getElement()?.querySelector(".convoy-cluster__count");
            if (face) face.textContent = String(count);
          }
          entry.marker.setLatLng(at);
          entry.ids = group.ids;
        }
        decorateCluster(entry, group.key, title);
      }
    } else {
      for (const entry of entries.values()) showMarker(map, entry);
    }
    for (const [key, entry] of groups) {
      if (wanted.has(key)) continue;
      entry.marker.remove();
      groups.delete(key);
    }
  }, [map]);

  useEffect(() => {
    if (!map) return;
    map.on("zoomend", regroup);
    return () => {
      map.off("zoomend", regroup);
    };
  }, [map, regroup]);

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
        });
        const entry: MarkerEntry = { marker, spec, shown: false, motion: new MarkerMotion(spec.position, (point) => marker.setLatLng(point)) };
        marker.on("click", () => entry.spec.onClick?.());
        entries.set(spec.id, entry);
        continue;
      }
      const previous = existing.spec;
      existing.spec = spec;
      // Most updates of a big fleet touch a few markers; the rest cost a comparison.
      if (sameMarker(previous, spec)) continue;
      if (previous.tone !== spec.tone || previous.label !== spec.label) existing.marker.setIcon(icon(spec));
      if (existing.shown) decorate(existing.marker, spec);
      // A marker inside a group is not drawn: it jumps, and no animation frame is spent on it.
      if (!sameSpot(previous.position, spec.position)) existing.motion.glideTo(spec.position, existing.shown && (spec.animate ?? false));
    }
    for (const [id, entry] of entries) {
      if (wanted.has(id)) continue;
      entry.motion.stop();
      entry.marker.remove();
      entries.delete(id);
    }
    regroup();
  }, [map, markers, regroup]);

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

  // Areas are few and change rarely (a place saved, a corner added): drawn afresh each time.
  useEffect(() => {
    if (!map || areas.length === 0) return;
    const layers = areas.map((area) => {
      const layer = areaLayer(area).addTo(map);
      layer.bringToBack();
      const element = layer.getElement();
      element?.setAttribute("data-area-id", area.id);
      element?.setAttribute("data-area-tone", area.tone);
      element?.setAttribute("data-area-title", area.title);
      return layer;
    });
    return () => {
      for (const layer of layers) layer.remove();
    };
  }, [map, areas]);

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
      map.fitBounds(bounds, { paddingTopLeft: FIT_PADDING_TOP_LEFT, paddingBottomRight: FIT_PADDING_BOTTOM_RIGHT, maxZoom: 16, animate: false });
    }
  }, [map, fitKey]);

  const places = useMemo(() => (["pickup", "dropoff"] as const).filter((kind) => markers.some((marker) => marker.tone === kind)), [markers]);

  return (
    <div className={`convoy-map${className ? ` ${className}` : ""}`}>
      <div ref={containerRef} className="convoy-map__canvas" role="region" aria-label={label} />
      {(tilesFailed || places.length > 0) && (
        <div className="convoy-map__overlays">
          {tilesFailed && <span className="convoy-map__notice">Map background unavailable</span>}
          {places.length > 0 && (
            <ul className="convoy-map__legend" aria-label="Map legend">
              {places.map((kind) => (
                <li key={kind}>
                  <PlaceKey kind={kind} />
                  {PLACE_WORDS[kind].name}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
