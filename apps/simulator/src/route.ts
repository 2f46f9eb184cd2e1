/** A point in WGS84 degrees. */
export interface LatLng {
  lat: number;
  lng: number;
}

const METRES_PER_DEGREE_LAT = 111_320;
const metresPerDegreeLng = (lat: number) => METRES_PER_DEGREE_LAT * Math.cos((lat * Math.PI) / 180);

/**
 * A road-like route: Chicago's streets are a grid, so go along the avenue (north/south)
 * first, then along the street (east/west), the way a driver without a map API would.
 */
export function gridRoute(from: LatLng, to: LatLng): LatLng[] {
  return [from, { lat: to.lat, lng: from.lng }, to];
}

/** Bearing in degrees clockwise from north, for the heading field. */
export function bearing(from: LatLng, to: LatLng): number {
  const dy = (to.lat - from.lat) * METRES_PER_DEGREE_LAT;
  const dx = (to.lng - from.lng) * metresPerDegreeLng(from.lat);
  return ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
}

function distanceMetres(a: LatLng, b: LatLng): number {
  const dy = (b.lat - a.lat) * METRES_PER_DEGREE_LAT;
  const dx = (b.lng - a.lng) * metresPerDegreeLng(a.lat);
  return Math.hypot(dx, dy);
}

/**
 * Moves `metres` along `route` (consuming its waypoints) and returns the new position.
 * When the route runs out the position is its last point.
 */
export function advance(position: LatLng, route: LatLng[], metres: number): LatLng {
  let here = position;
  let left = metres;
  while (route.length > 0 && left > 0) {
    const next = route[0]!;
    const gap = distanceMetres(here, next);
    if (gap <= left) {
      here = next;
      left -= gap;
      route.shift();
      continue;
    }
    const fraction = left / gap;
    here = { lat: here.lat + (next.lat - here.lat) * fraction, lng: here.lng + (next.lng - here.lng) * fraction };
    left = 0;
  }
  return here;
}

/** A random point within `radiusMetres` of `centre`. */
export function randomPointNear(centre: LatLng, radiusMetres: number): LatLng {
  const angle = Math.random() * 2 * Math.PI;
  const distance = Math.sqrt(Math.random()) * radiusMetres;
  return {
    lat: centre.lat + (Math.cos(angle) * distance) / METRES_PER_DEGREE_LAT,
    lng: centre.lng + (Math.sin(angle) * distance) / metresPerDegreeLng(centre.lat),
  };
}
