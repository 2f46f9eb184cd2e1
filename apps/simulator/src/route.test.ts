import { describe, expect, it } from "vitest";
import { advance, bearing, gridRoute } from "./route";

describe("route", () => {
  it("drives north first, then east, and stops at the destination", () => {
    const from = { lat: 41.88, lng: -87.63 };
    const to = { lat: 41.89, lng: -87.62 };
    const route = gridRoute(from, to).slice(1);
    const first = advance(from, route, 500);
    expect(first.lng).toBeCloseTo(from.lng, 9);
    expect(first.lat).toBeGreaterThan(from.lat);
    const end = advance(first, route, 100_000);
    expect(end).toEqual(to);
    expect(route).toHaveLength(0);
  });

  it("gives compass bearings", () => {
    expect(bearing({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(0);
    expect(bearing({ lat: 0, lng: 0 }, { lat: 0, lng: 1 })).toBeCloseTo(90);
  });
});
