import { describe, expect, it } from "vitest";
import { estimateEta, etaTarget } from "./eta";

const pickup = { lat: 41.8837, lng: -87.6278 };
/** About 1.112 km due north of `pickup`. */
const north = { lat: 41.8937, lng: -87.6278 };

describe("estimateEta", () => {
  it("uses the city speed when the speed is unknown", () => {
    const eta = estimateEta(north, pickup, null, 30);
    expect(eta.distanceKm).toBeCloseTo(1.112, 2);
    // 1.112 km at 30 km/h is about 133 s.
    expect(eta.etaSeconds).toBeGreaterThan(130);
    expect(eta.etaSeconds).toBeLessThan(137);
  });

  it("uses a plausible reported speed, and ignores a standstill or a glitch", () => {
    expect(estimateEta(north, pickup, 10, 30).etaSeconds).toBe(111);
    expect(estimateEta(north, pickup, 0.5, 30).etaSeconds).toBe(estimateEta(north, pickup, null, 30).etaSeconds);
    expect(estimateEta(north, pickup, 90, 30).etaSeconds).toBe(estimateEta(north, pickup, null, 30).etaSeconds);
  });

  it("is zero at the target and shrinks on the way", () => {
    const halfway = { lat: 41.8887, lng: -87.6278 };
    expect(estimateEta(pickup, pickup, null, 30).etaSeconds).toBe(0);
    expect(estimateEta(halfway, pickup, null, 30).etaSeconds).toBeLessThan(estimateEta(north, pickup, null, 30).etaSeconds);
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
