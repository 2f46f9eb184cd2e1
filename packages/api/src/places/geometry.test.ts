import { describe, expect, it } from "vitest";
import { distanceOutsideM, firstSelfIntersection, geometryContains, polygonAreaM2 } from "./geometry";
import { PlaceIndex } from "./placeIndex";
import type { PlaceView } from "./views";

const square = [
  { lat: 0, lng: 0 },
  { lat: 0, lng: 0.01 },
  { lat: 0.01, lng: 0.01 },
  { lat: 0.01, lng: 0 },
];

const view = (id: number, geometry: PlaceView["geometry"], version = 1): PlaceView => ({
  id,
  name: `Place ${id}`,
  geometry,
  dwellSeconds: null,
  version,
  createdBy: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
});

describe("place geometry", () => {
  it("tells inside from outside for circles and polygons, and how far outside", () => {
    const circle = { kind: "circle" as const, center: { lat: 10, lng: 10 }, radiusM: 100 };
    expect(geometryContains(circle, { lat: 10.0008, lng: 10 })).toBe(true);
    expect(geometryContains(circle, { lat: 10.0018, lng: 10 })).toBe(false);
    expect(Math.round(distanceOutsideM(circle, { lat: 10.0018, lng: 10 }))).toBe(100);
    const polygon = { kind: "polygon" as const, vertices: square };
    expect(geometryContains(polygon, { lat: 0.005, lng: 0.005 })).toBe(true);
    expect(geometryContains(polygon, { lat: 0.005, lng: 0.011 })).toBe(false);
    expect(Math.round(distanceOutsideM(polygon, { lat: 0.005, lng: 0.011 }))).toBe(111);
    // 0.01° is 1,112 m on each side at the equator.
    expect(Math.round(polygonAreaM2(square) / 1_000)).toBe(1_236);
  });

  it("finds crossing edges, but not neighbours sharing a corner", () => {
    expect(firstSelfIntersection(square)).toBeNull();
    const bowTie = [square[0]!, square[1]!, square[3]!, square[2]!];
    expect(firstSelfIntersection(bowTie)).toEqual([1, 3]);
  });
});

describe("PlaceIndex", () => {
  it("finds a place from a point in its grid cells only, and answers far points with one shared empty list", () => {
    const index = new PlaceIndex(300_000);
    index.put(view(1, { kind: "polygon", vertices: square }));
    index.put(view(2, { kind: "circle", center: { lat: 45, lng: 7 }, radiusM: 500 }));
    expect(index.near(0.005, 0.005).map((place) => place.id)).toEqual([1]);
    expect(index.near(45.001, 7.001).map((place) => place.id)).toEqual([2]);
    const far = index.near(-30, 100);
    expect(far).toHaveLength(0);
    expect(index.near(60, -20)).toBe(far);
    expect(index.get(2)?.contains(45.001, 7.001)).toBe(true);
    expect(index.get(1)?.dwellMs).toBe(300_000);
  });

  it("keeps the newest version of a place and forgets a removed one everywhere", () => {
    const index = new PlaceIndex(60_000);
    index.put(view(1, { kind: "circle", center: { lat: 0, lng: 0 }, radiusM: 100 }, 2));
    index.put(view(1, { kind: "circle", center: { lat: 5, lng: 5 }, radiusM: 100 }, 1));
    expect(index.near(0, 0).map((place) => place.id)).toEqual([1]);
    expect(index.near(5, 5)).toHaveLength(0);
    index.remove(1);
    expect(index.near(0, 0)).toHaveLength(0);
    expect(index.size).toBe(0);
  });
});
