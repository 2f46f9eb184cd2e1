/** OpenStreetMap's standard tiles, used when the app was built without `VITE_TILE_URL`. */
const OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';

export interface TileSource {
  /** A Leaflet URL template with `{z}`, `{x}`, `{y}` (and optionally `{s}`). */
  url: string;
  /** Credit line Leaflet shows in the corner; empty for a self-hosted source. */
  attribution: string;
}

/**
 * Where map tiles come from: `VITE_TILE_URL` at build time (a self-hosted or commercial tile
 * server), else OpenStreetMap's. This is the only place the variable is read. Maps work
 * without any tiles at all (offline, or a blocked server): markers and lines draw on a
 * plain background.
 */
export function tileSource(): TileSource {
  const configured: unknown = import.meta.env.VITE_TILE_URL;
  if (typeof configured === "string" && configured.trim() !== "") return { url: configured.trim(), attribution: "" };
  return { url: OSM_TILE_URL, attribution: OSM_ATTRIBUTION };
}
