import { describe, expect, it } from "vitest";
import { advance, bearing, demoStart, distanceMetres, gridRoute } from "./simulatedRoute";

const pickup = { lat: 41.88, lng: -87.63 };

describe("simulated drive", () => {
  it("goes along the avenue first, then the street", () => {
    const from = { lat: 41.87, lng: -87.64 };
    expect(gridRoute(from, pickup)).toEqual([{ lat: 41.88, lng: -87.64 }, pickup]);
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
  });

  it("stops at the end of the route", () => {
    const start = demoStart(pickup, 300);
    const step = advance(start, gridRoute(start, pickup), 10_000);
    expect(step.position).toEqual(pickup);
    expect(step.remaining).toEqual([]);
    expect(advance(pickup, [], 50)).toEqual({ position: pickup, remaining: [], headingDeg: null });
  });

  it("measures bearings clockwise from north", () => {
    expect(bearing(pickup, { lat: 41.89, lng: -87.63 })).toBeCloseTo(0, 5);
    expect(bearing(pickup, { lat: 41.87, lng: -87.63 })).toBeCloseTo(180, 5);
    expect(bearing(pickup, { lat: 41.88, lng: -87.64 })).toBeCloseTo(270, 5);
  });
});
