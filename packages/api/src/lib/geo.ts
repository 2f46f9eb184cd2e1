/** A point in WGS84 degrees. */
export interface LatLng {
  lat: number;
  lng: number;
}

const EARTH_RADIUS_KM = 6371.0088;
const toRadians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance in kilometres. */
export function haversineKm(a: LatLng, b: LatLng): number {
  const dLat = toRadians(b.lat - a.lat);
  const dLng = toRadians(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The lat/lng rectangle that contains every point within `radiusKm` of `centre`, so an
 * index range scan can pre-filter before the exact haversine check.
 */
export function boundingBox(centre: LatLng, radiusKm: number) {
  const dLat = radiusKm / 111.32;
  const cosLat = Math.max(Math.cos(toRadians(centre.lat)), 0.01);
  const dLng = Math.min(180, radiusKm / (111.32 * cosLat));
  return {
    minLat: centre.lat - dLat,
    maxLat: centre.lat + dLat,
    minLng: centre.lng - dLng,
    maxLng: centre.lng + dLng,
  };
}
