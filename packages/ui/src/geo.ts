import type { LatLng } from "@convoy/api/schemas";

/** The server's own great-circle distance (km), so a form shows what will be stored. */
export { haversineKm, type LatLng } from "@convoy/api/schemas";

/** `{ lat, lng }` when both are finite numbers within range, else null. */
export function toLatLng(lat: number | undefined, lng: number | undefined): LatLng | null {
  if (lat === undefined || lng === undefined || !Number.isFinite(lat) || !Number.isFinite(lng)) return null;
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
  return { lat, lng };
}
