import { describe, expect, it } from "vitest";
import { advance, bearing, demoStart, distanceMetres, gridRoute, randomPointNear } from "./simulatedRoute";

const pickup = { lat: 41.88, lng: -87.63 };

describe("simulated route", () => {
  it("goes along the avenue first, then the street", () => {
    const from = { lat: 41.87, lng: -87.64 };
    expect(gridRoute(from, pickup)).toEqual([{ lat: 41.88, lng: -87.64 }, pickup]);
  });

  it("drives north first, then east, and stops at the destination", () => {
    const from = { lat: 41.88, lng: -87.63 };
    const to = { lat: 41.89, lng: -87.62 };
    const first = advance(from, gridRoute(from, to), 500);
    expect(first.position.lng).toBeCloseTo(from.lng, 9);
    expect(first.position.lat).toBeGreaterThan(from.lat);
    expect(first.headingDeg).toBeCloseTo(0, 5);
    const end = advance(first.position, first.remaining, 100_000);
    expect(end.position).toEqual(to);
    expect(end.remaining).toHaveLength(0);
  });

  it("advances the given metres along the route and turns the corner", () => {
    const from = { lat: 41.87, lng: -87.64 };
    const route = gridRoute(from, pickup);
    const firstLeg = distanceMetres(from, route[0]!);
    const step = advance(from, route, firstLeg + 100);
    expect(step.remaining).toEqual([pickup]);
    expect(distanceMetres(route[0]!, step.position)).toBeCloseTo(100, 0);
    // Past the corner it drives east.
    expect(step.headingDeg).toBeCloseTo(90, 0);
    // The caller's route is not consumed.
    expect(route).toHaveLength(2);
  });

  it("stops at the end of the route", () => {
    const start = demoStart(pickup, 300);
    const step = advance(start, gridRoute(start, pickup), 10_000);
    expect(step.position).toEqual(pickup);
    expect(step.remaining).toEqual([]);
    expect(advance(pickup, [], 50)).toEqual({ position: pickup, remaining: [], headingDeg: null });
  });

  it("starts a demo drive the given metres south and west of the goal", () => {
    const start = demoStart(pickup, 300);
    expect(distanceMetres(start, { lat: pickup.lat, lng: start.lng })).toBeCloseTo(300, 0);
    expect(distanceMetres(start, { lat: start.lat, lng: pickup.lng })).toBeCloseTo(300, 0);
    expect(bearing(start, pickup)).toBeCloseTo(45, 0);
  });

  it("measures bearings clockwise from north", () => {
    expect(bearing(pickup, { lat: 41.89, lng: -87.63 })).toBeCloseTo(0, 5);
    expect(bearing(pickup, { lat: 41.88, lng: -87.62 })).toBeCloseTo(90, 0);
    expect(bearing(pickup, { lat: 41.87, lng: -87.63 })).toBeCloseTo(180, 5);
    expect(bearing(pickup, { lat: 41.88, lng: -87.64 })).toBeCloseTo(270, 5);
  });

  it("picks random points within the radius", () => {
    for (const random of [() => 0, () => 0.999_999, Math.random]) {
      for (let i = 0; i < 50; i++) {
        expect(distanceMetres(pickup, randomPointNear(pickup, 2_000, random))).toBeLessThanOrEqual(2_000.5);
      }
    }
    const edge = randomPointNear(pickup, 2_000, () => 0.999_999_99);
    expect(distanceMetres(pickup, edge)).toBeGreaterThan(1_999);
  });
});
