import { describe, expect, it } from "vitest";
import { interpolate, shouldGlide } from "./markerMotion";

const from = { lat: 41.88, lng: -87.63 };
const to = { lat: 41.881, lng: -87.628 };

describe("marker glide", () => {
  it("starts at the old position, ends at the new one, and moves more at first (ease-out)", () => {
    expect(interpolate(from, to, 0)).toEqual(from);
    expect(interpolate(from, to, 1)).toEqual(to);
    const half = interpolate(from, to, 0.5);
    expect((half.lat - from.lat) / (to.lat - from.lat)).toBeCloseTo(0.75, 10);
    // Out-of-range times are clamped rather than overshooting.
    expect(interpolate(from, to, 1.7)).toEqual(to);
    expect(interpolate(from, to, -1)).toEqual(from);
  });

  it("glides short hops and jumps long ones or none", () => {
    expect(shouldGlide(from, to)).toBe(true);
    expect(shouldGlide(from, from)).toBe(false);
    expect(shouldGlide(from, { lat: 42.5, lng: -87.63 })).toBe(false);
  });
});
