import { describe, expect, it } from "vitest";
import { estimateEta, etaAlongRoute, etaTarget, progressAlong } from "./eta";

const pickup = { lat: 41.8837, lng: -87.6278 };
/** About 1.112 km due north of `pickup`. */
const north = { lat: 41.8937, lng: -87.6278 };
const city = { citySpeedKmh: 30, detourFactor: 1.3 };

describe("estimateEta", () => {
  it("drives the straight line times the detour factor at city speed when the speed is unknown", () => {
    const eta = estimateEta(north, pickup, null, city);
    expect(eta.distanceKm).toBeCloseTo(1.112, 2);
    expect(eta.source).toBe("estimate");
    // 1.112 km × 1.3 at 30 km/h is about 173 s.
    expect(eta.etaSeconds).toBeGreaterThan(170);
    expect(eta.etaSeconds).toBeLessThan(177);
    expect(estimateEta(north, pickup, null, { ...city, detourFactor: 1 }).etaSeconds).toBeLessThan(137);
  });

  it("uses a plausible reported speed, and ignores a standstill or a glitch", () => {
    // 1.112 km × 1.3 at 10 m/s.
    expect(estimateEta(north, pickup, 10, city).etaSeconds).toBeGreaterThanOrEqual(144);
    expect(estimateEta(north, pickup, 10, city).etaSeconds).toBeLessThanOrEqual(146);
    expect(estimateEta(north, pickup, 0.5, city).etaSeconds).toBe(estimateEta(north, pickup, null, city).etaSeconds);
    expect(estimateEta(north, pickup, 90, city).etaSeconds).toBe(estimateEta(north, pickup, null, city).etaSeconds);
  });

  it("is zero at the target and shrinks on the way", () => {
    const halfway = { lat: 41.8887, lng: -87.6278 };
    expect(estimateEta(pickup, pickup, null, city).etaSeconds).toBe(0);
    expect(estimateEta(halfway, pickup, null, city).etaSeconds).toBeLessThan(estimateEta(north, pickup, null, city).etaSeconds);
  });
});

describe("etaAlongRoute", () => {
  /** North 1.112 km, then about 0.83 km east: an L. */
  const corner = { lat: 41.8837, lng: -87.6278 + 0.01 };
  const route = { distanceKm: 2, durationSeconds: 300, line: [north, pickup, corner] };

  it("is the whole route at its start and a share of its duration on the way", () => {
    expect(etaAlongRoute(route, north)).toMatchObject({ etaSeconds: 300, distanceKm: 2, source: "route" });
    const onSecondLeg = { lat: 41.8837, lng: -87.6278 + 0.005 };
    const { etaSeconds, offKm } = etaAlongRoute(route, onSecondLeg);
    expect(offKm).toBeLessThan(0.001);
    // About 0.41 of the line's 1.94 km left.
    expect(etaSeconds).toBeGreaterThan(58);
    expect(etaSeconds).toBeLessThan(70);
    expect(etaAlongRoute(route, corner).etaSeconds).toBe(0);
  });

  it("says how far off the route a point is", () => {
    const east = { lat: 41.8887, lng: -87.6278 + 0.006 };
    expect(progressAlong(route.line, east).offKm).toBeGreaterThan(0.4);
  });
});

describe("etaTarget", () => {
  it("heads to the pickup before arriving, then to the dropoff, then nowhere", () => {
    expect(["requested", "assigned", "en_route", "arrived", "in_progress", "completed", "cancelled"].map((s) => etaTarget(s as never))).toEqual([
      null,
      "pickup",
      "pickup",
      "dropoff",
      "dropoff",
      null,
      null,
    ]);
  });
});
