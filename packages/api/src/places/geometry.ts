import type { GeoPoint, PlaceGeometry } from "@convoy/db/schema";

/**
 * Plane geometry for places. Places are small (at most `PLACE_LIMITS.maxExtentM` across), so
 * a local equirectangular projection around the place is accurate to well under a metre;
 * a circle's own test is the exact great-circle distance.
 */

const EARTH_RADIUS_M = 6_371_008.8;
const RADIANS = Math.PI / 180;
/** Metres per degree of latitude (and of longitude at the equator). */
const METRES_PER_DEGREE = EARTH_RADIUS_M * RADIANS;

/** A lat/lng rectangle, degrees. */
export interface Bounds {
  minLat: number;
  maxLat: number;
  minLng: number;
  maxLng: number;
}

/** Great-circle distance in metres; takes numbers so the hot path builds no objects. */
export function distanceM(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const dLat = (lat2 - lat1) * RADIANS;
  const dLng = (lng2 - lng1) * RADIANS;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RADIANS) * Math.cos(lat2 * RADIANS) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The rectangle around a geometry; a circle's includes its whole disc. */
export function boundsOf(geometry: PlaceGeometry): Bounds {
  if (geometry.kind === "circle") {
    const { center, radiusM } = geometry;
    const dLat = radiusM / METRES_PER_DEGREE;
    const dLng = radiusM / (METRES_PER_DEGREE * Math.max(Math.cos(center.lat * RADIANS), 0.01));
    return { minLat: center.lat - dLat, maxLat: center.lat + dLat, minLng: center.lng - dLng, maxLng: center.lng + dLng };
  }
  let minLat = Infinity;
  let maxLat = -Infinity;
  let minLng = Infinity;
  let maxLng = -Infinity;
  for (const { lat, lng } of geometry.vertices) {
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
    minLng = Math.min(minLng, lng);
    maxLng = Math.max(maxLng, lng);
  }
  return { minLat, maxLat, minLng, maxLng };
}

/** Even-odd ray casting in degrees; exact enough for a place that spans a few km. */
export function polygonContains(lats: ArrayLike<number>, lngs: ArrayLike<number>, lat: number, lng: number): boolean {
  let inside = false;
  for (let i = 0, j = lats.length - 1; i < lats.length; j = i++) {
    const latI = lats[i]!;
    const latJ = lats[j]!;
    if (latI > lat !== latJ > lat) {
      const lngI = lngs[i]!;
      const lngJ = lngs[j]!;
      if (lng < ((lngJ - lngI) * (lat - latI)) / (latJ - latI) + lngI) inside = !inside;
    }
  }
  return inside;
}

/** Whether `point` is inside the place's area (on the edge counts as inside for a circle). */
export function geometryContains(geometry: PlaceGeometry, point: GeoPoint): boolean {
  if (geometry.kind === "circle") return distanceM(point.lat, point.lng, geometry.center.lat, geometry.center.lng) <= geometry.radiusM;
  const lats = geometry.vertices.map((vertex) => vertex.lat);
  const lngs = geometry.vertices.map((vertex) => vertex.lng);
  return polygonContains(lats, lngs, point.lat, point.lng);
}

/** Projects `point` to metres east (x) and north (y) of `origin`. */
function toLocalM(origin: GeoPoint, point: GeoPoint): { x: number; y: number } {
  return {
    x: (point.lng - origin.lng) * METRES_PER_DEGREE * Math.cos(origin.lat * RADIANS),
    y: (point.lat - origin.lat) * METRES_PER_DEGREE,
  };
}

/** How far `point` is outside the place's area, metres; 0 inside. */
export function distanceOutsideM(geometry: PlaceGeometry, point: GeoPoint): number {
  if (geometry.kind === "circle") {
    return Math.max(0, distanceM(point.lat, point.lng, geometry.center.lat, geometry.center.lng) - geometry.radiusM);
  }
  if (geometryContains(geometry, point)) return 0;
  const corners = geometry.vertices.map((vertex) => toLocalM(point, vertex));
  let nearest = Infinity;
  for (let i = 0; i < corners.length; i++) {
    const a = corners[i]!;
    const b = corners[(i + 1) % corners.length]!;
    nearest = Math.min(nearest, segmentDistanceToOrigin(a.x, a.y, b.x, b.y));
  }
  return nearest;
}

function segmentDistanceToOrigin(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / lengthSquared));
  return Math.hypot(ax + t * dx, ay + t * dy);
}

/** The largest distance across the rectangle around `vertices`, east–west or north–south, metres. */
export function extentM(vertices: readonly GeoPoint[]): number {
  const bounds = boundsOf({ kind: "polygon", vertices: [...vertices] });
  const midLat = (bounds.minLat + bounds.maxLat) / 2;
  const northSouth = (bounds.maxLat - bounds.minLat) * METRES_PER_DEGREE;
  const eastWest = (bounds.maxLng - bounds.minLng) * METRES_PER_DEGREE * Math.cos(midLat * RADIANS);
  return Math.max(northSouth, eastWest);
}

/** The ring's area in square metres (shoelace formula on the local projection). */
export function polygonAreaM2(vertices: readonly GeoPoint[]): number {
  const origin = vertices[0]!;
  const corners = vertices.map((vertex) => toLocalM(origin, vertex));
  let twiceArea = 0;
  for (let i = 0; i < corners.length; i++) {
    const a = corners[i]!;
    const b = corners[(i + 1) % corners.length]!;
    twiceArea += a.x * b.y - b.x * a.y;
  }
  return Math.abs(twiceArea) / 2;
}

function orientation(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const value = (by - ay) * (cx - bx) - (bx - ax) * (cy - by);
  return value > 0 ? 1 : value < 0 ? -1 : 0;
}

function onSegment(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): boolean {
  return Math.min(ax, cx) <= bx && bx <= Math.max(ax, cx) && Math.min(ay, cy) <= by && by <= Math.max(ay, cy);
}

function segmentsCross(p: GeoPoint, q: GeoPoint, r: GeoPoint, s: GeoPoint): boolean {
  const o1 = orientation(p.lng, p.lat, q.lng, q.lat, r.lng, r.lat);
  const o2 = orientation(p.lng, p.lat, q.lng, q.lat, s.lng, s.lat);
  const o3 = orientation(r.lng, r.lat, s.lng, s.lat, p.lng, p.lat);
  const o4 = orientation(r.lng, r.lat, s.lng, s.lat, q.lng, q.lat);
  if (o1 !== o2 && o3 !== o4) return true;
  if (o1 === 0 && onSegment(p.lng, p.lat, r.lng, r.lat, q.lng, q.lat)) return true;
  if (o2 === 0 && onSegment(p.lng, p.lat, s.lng, s.lat, q.lng, q.lat)) return true;
  if (o3 === 0 && onSegment(r.lng, r.lat, p.lng, p.lat, s.lng, s.lat)) return true;
  if (o4 === 0 && onSegment(r.lng, r.lat, q.lng, q.lat, s.lng, s.lat)) return true;
  return false;
}

/**
 * The first pair of edges (by index of their first vertex) that cross or touch, other than
 * neighbours sharing a vertex; null for a simple ring. Quadratic, and vertices are bounded.
 */
export function firstSelfIntersection(vertices: readonly GeoPoint[]): [number, number] | null {
  const n = vertices.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // Neighbouring edges share a vertex; the first and last edge are neighbours too.
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsCross(vertices[i]!, vertices[(i + 1) % n]!, vertices[j]!, vertices[(j + 1) % n]!)) return [i, j];
    }
  }
  return null;
}
