import type { PlaceGeometry, PlaceRow } from "@convoy/db";

/** A saved place as every dispatcher sees it. Times are ISO strings. */
export interface PlaceView {
  id: number;
  name: string;
  geometry: PlaceGeometry;
  /** Its own dwell time, seconds; null: the server's default (`dwellSeconds` of `PlaceOptions`). */
  dwellSeconds: number | null;
  /** Counts edits; pass it back to `places.update`. */
  version: number;
  createdBy: number | null;
  createdAt: string;
  updatedAt: string;
}

export function toPlaceView(row: PlaceRow): PlaceView {
  return {
    id: row.id,
    name: row.name,
    geometry: row.geometry,
    dwellSeconds: row.dwellSeconds,
    version: row.version,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
