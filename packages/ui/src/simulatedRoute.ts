import type { LatLng } from "@convoy/api/schemas";

/*
 * Simulated driving for the demo drivers: the simulator's fleet and the driver app's
 * "simulate my drive" switch. Pure arithmetic with no browser or node API, so the node
 * simulator imports it through `@convoy/ui/simulatedRoute` without loading React.
 * Distances use a flat-earth approximation, fine for a city of a few tens of kilometres.
 */

const METRES_PER_DEGREE_LAT = 111_320;
const metresPerDegreeLng = (lat: number) => METRES_PER_DEGREE_LAT * Math.cos((lat * Math.PI) / 180);

/**
 * A road-like route from `from` to `to`: city streets are a grid, so go along the avenue
 * (north/south) first, then along the street (east/west). The waypoints after `from`.
 */
export function gridRoute(from: LatLng, to: LatLng): LatLng[] {
  return [{ lat: to.lat, lng: from.lng }, to];
}

/** Ground distance between two points, metres. */
export function distanceMetres(a: LatLng, b: LatLng): number {
  const dy = (b.lat - a.lat) * METRES_PER_DEGREE_LAT;
  const dx = (b.lng - a.lng) * metresPerDegreeLng(a.lat);
  return Math.hypot(dx, dy);
}

/** Bearing from `from` to `to` in degrees clockwise from north (0–360), for `headingDeg`. */
export function bearing(from: LatLng, to: LatLng): number {
  const dy = (to.lat - from.lat) * METRES_PER_DEGREE_LAT;
  const dx = (to.lng - from.lng) * metresPerDegreeLng(from.lat);
  return ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
}

export interface Step {
  position: LatLng;
  /** The waypoints still ahead after this step. */
  remaining: LatLng[];
  /** Direction of travel at the end of the step, degrees from north; null when nothing moved. */
  headingDeg: number | null;
}

/**
 * Moves `metres` along `route` from `position`, dropping the waypoints it passes; `route`
 * itself is left as it was. When the route runs out the position is its last point.
 */
export function advance(position: LatLng, route: readonly LatLng[], metres: number): Step {
  const remaining = [...route];
  let here = position;
  let left = metres;
  let headingDeg: number | null = null;
  while (remaining.length > 0 && left > 0) {
    const next = remaining[0]!;
    const gap = distanceMetres(here, next);
    if (gap > 0) headingDeg = bearing(here, next);
    if (gap <= left) {
      here = next;
      left -= gap;
      remaining.shift();
      continue;
    }
    const fraction = left / gap;
    here = { lat: here.lat + (next.lat - here.lat) * fraction, lng: here.lng + (next.lng - here.lng) * fraction };
    left = 0;
  }
  return { position: here, remaining, headingDeg };
}

/**
 * The point `metres` south and west of `to`: where a demo drive starts when the driver's
 * position is unknown.
 * @param metres offset in each direction, metres; @default 800
 */
export function demoStart(to: LatLng, metres = 800): LatLng {
  return { lat: to.lat - metres / METRES_PER_DEGREE_LAT, lng: to.lng - metres / metresPerDegreeLng(to.lat) };
}

/**
 * A point chosen uniformly at random within `radiusMetres` of `centre`.
 * @param random a source of numbers in [0, 1); @default Math.random
 */
export function randomPointNear(centre: LatLng, radiusMetres: number, random: () => number = Math.random): LatLng {
  const angle = random() * 2 * Math.PI;
  const distance = Math.sqrt(random()) * radiusMetres;
  return {
    lat: centre.lat + (Math.cos(angle) * distance) / METRES_PER_DEGREE_LAT,
    lng: centre.lng + (Math.sin(angle) * distance) / metresPerDegreeLng(centre.lat),
  };
}
