import type { PlaceGeometry } from "@convoy/db";
import { boundsOf, distanceM, polygonContains, type Bounds } from "./geometry";
import type { PlaceView } from "./views";

/** A place ready for the position path: its rectangle and a test that builds no objects. */
export interface IndexedPlace extends Bounds {
  id: number;
  name: string;
  version: number;
  geometry: PlaceGeometry;
  /** Its dwell time, ms (its own, or the default). */
  dwellMs: number;
  contains: (lat: number, lng: number) => boolean;
}

/** Grid cells are this many degrees on a side (about 2.2 km north–south). */
const CELL_DEGREES = 0.02;
const CELLS_PER_DEGREE = 1 / CELL_DEGREES;
/** Longitude cells per latitude row in the key; more than the 18,000 cells around the world. */
const ROW_STRIDE = 100_000;

const cellKey = (latCell: number, lngCell: number) => latCell * ROW_STRIDE + lngCell;

const NONE: readonly IndexedPlace[] = [];

/**
 * The saved places in memory, bucketed in a grid of `CELL_DEGREES` cells by their rectangle,
 * so a point finds the few places near it with one Map lookup and no allocation; where no
 * place is near, that lookup is all a point costs. Each candidate's rectangle is checked
 * before its exact test.
 */
export class PlaceIndex {
  private readonly byId = new Map<number, IndexedPlace>();
  private readonly cells = new Map<number, IndexedPlace[]>();

  constructor(private readonly defaultDwellMs: number) {}

  get size(): number {
    return this.byId.size;
  }

  get(placeId: number): IndexedPlace | undefined {
    return this.byId.get(placeId);
  }

  all(): IterableIterator<IndexedPlace> {
    return this.byId.values();
  }

  /** Adds a place or replaces an older version of it (a late copy of an older edit changes nothing). */
  put(view: PlaceView): void {
    const known = this.byId.get(view.id);
    if (known && known.version > view.version) return;
    this.remove(view.id);
    const place = indexed(view, this.defaultDwellMs);
    this.byId.set(place.id, place);
    this.forEachCell(place, (key) => {
      const bucket = this.cells.get(key);
      if (bucket) bucket.push(place);
      else this.cells.set(key, [place]);
    });
  }

  remove(placeId: number): void {
    const place = this.byId.get(placeId);
    if (!place) return;
    this.byId.delete(placeId);
    this.forEachCell(place, (key) => {
      const bucket = this.cells.get(key);
      if (!bucket) return;
      const index = bucket.indexOf(place);
      if (index >= 0) bucket.splice(index, 1);
      if (bucket.length === 0) this.cells.delete(key);
    });
  }

  clear(): void {
    this.byId.clear();
    this.cells.clear();
  }

  /** Places whose rectangle's grid cells include the point's; check `contains` for the truth. */
  near(lat: number, lng: number): readonly IndexedPlace[] {
    if (this.byId.size === 0) return NONE;
    return this.cells.get(cellKey(Math.floor(lat * CELLS_PER_DEGREE), Math.floor(lng * CELLS_PER_DEGREE))) ?? NONE;
  }

  private forEachCell(place: IndexedPlace, visit: (key: number) => void): void {
    const fromLat = Math.floor(place.minLat * CELLS_PER_DEGREE);
    const toLat = Math.floor(place.maxLat * CELLS_PER_DEGREE);
    const fromLng = Math.floor(place.minLng * CELLS_PER_DEGREE);
    const toLng = Math.floor(place.maxLng * CELLS_PER_DEGREE);
    for (let latCell = fromLat; latCell <= toLat; latCell++) {
      for (let lngCell = fromLng; lngCell <= toLng; lngCell++) visit(cellKey(latCell, lngCell));
    }
  }
}

function indexed(view: PlaceView, defaultDwellMs: number): IndexedPlace {
  const bounds = boundsOf(view.geometry);
  const { minLat, maxLat, minLng, maxLng } = bounds;
  const inBounds = (lat: number, lng: number) => lat >= minLat && lat <= maxLat && lng >= minLng && lng <= maxLng;
  let contains: IndexedPlace["contains"];
  const { geometry } = view;
  if (geometry.kind === "circle") {
    const { center, radiusM } = geometry;
    contains = (lat, lng) => inBounds(lat, lng) && distanceM(lat, lng, center.lat, center.lng) <= radiusM;
  } else {
    const lats = Float64Array.from(geometry.vertices, (vertex) => vertex.lat);
    const lngs = Float64Array.from(geometry.vertices, (vertex) => vertex.lng);
    contains = (lat, lng) => inBounds(lat, lng) && polygonContains(lats, lngs, lat, lng);
  }
  return {
    id: view.id,
    name: view.name,
    version: view.version,
    geometry,
    dwellMs: (view.dwellSeconds ?? defaultDwellMs / 1_000) * 1_000,
    ...bounds,
    contains,
  };
}
