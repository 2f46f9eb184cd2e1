import { describe, expect, it } from "vitest";
import { reportInputSchema, screenPoints } from "./points";

const NOW = 1_800_000_000_000;

describe("screenPoints", () => {
  it("keeps good points oldest first and refuses bad ones with their index and reason", () => {
    const { accepted, rejected } = screenPoints(
      [
        { lat: 1, lng: 2, recordedAt: NOW },
        { lat: 1, lng: 2, recordedAt: NOW + 31_000 },
        { lat: 1, lng: 2, recordedAt: NOW - 10 * 60_000 - 1 },
        { lat: -91, lng: 2, recordedAt: NOW },
        { lat: 1, lng: 181, recordedAt: NOW },
        { lat: 1, lng: 2, recordedAt: NOW - 1_000 },
      ],
      NOW,
    );
    expect(accepted.map((point) => point.recordedAt)).toEqual([NOW - 1_000, NOW]);
    expect(rejected.map(({ index, code }) => [index, code])).toEqual([
      [1, "future"],
      [2, "too_old"],
      [3, "invalid_coordinates"],
      [4, "invalid_coordinates"],
    ]);
  });

  it("allows 30 s of clock skew and exactly 10 minutes of age", () => {
    const { accepted } = screenPoints(
      [
        { lat: 0, lng: 0, recordedAt: NOW + 30_000 },
        { lat: 0, lng: 0, recordedAt: NOW - 10 * 60_000 },
      ],
      NOW,
    );
    expect(accepted).toHaveLength(2);
  });

  it("treats negative heading, speed and accuracy as unknown, and refuses implausible values", () => {
    const { accepted, rejected } = screenPoints(
      [
        { lat: 0, lng: 0, recordedAt: NOW, headingDeg: -1, speedMps: -1, accuracyM: -1 },
        { lat: 0, lng: 0, recordedAt: NOW - 1, headingDeg: 360, speedMps: 3 },
        { lat: 0, lng: 0, recordedAt: NOW - 2, headingDeg: 361 },
        { lat: 0, lng: 0, recordedAt: NOW - 3, speedMps: 500 },
      ],
      NOW,
    );
    expect(accepted).toEqual([
      { lat: 0, lng: 0, recordedAt: NOW - 1, headingDeg: 0, speedMps: 3, accuracyM: null },
      { lat: 0, lng: 0, recordedAt: NOW, headingDeg: null, speedMps: null, accuracyM: null },
    ]);
    expect(rejected.map((rejection) => rejection.index)).toEqual([2, 3]);
  });

  it("keeps the first of two points with the same recordedAt", () => {
    const { accepted, rejected } = screenPoints(
      [
        { lat: 1, lng: 1, recordedAt: NOW },
        { lat: 2, lng: 2, recordedAt: NOW },
      ],
      NOW,
    );
    expect(accepted).toEqual([expect.objectContaining({ lat: 1 })]);
    expect(rejected).toEqual([expect.objectContaining({ index: 1, code: "duplicate" })]);
  });
});

describe("reportInputSchema", () => {
  const point = { lat: 0, lng: 0, recordedAt: NOW };

  it("takes 1 to 50 points", () => {
    expect(reportInputSchema.safeParse({ points: [] }).success).toBe(false);
    expect(reportInputSchema.safeParse({ points: Array.from({ length: 50 }, () => point) }).success).toBe(true);
    expect(reportInputSchema.safeParse({ points: Array.from({ length: 51 }, () => point) }).success).toBe(false);
  });

  it("refuses a driverId and non-numbers, but ignores extra point fields", () => {
    expect(reportInputSchema.safeParse({ driverId: 7, points: [point] }).success).toBe(false);
    expect(reportInputSchema.safeParse({ points: [{ ...point, lat: "1" }] }).success).toBe(false);
    expect(reportInputSchema.safeParse({ points: [{ ...point, lat: Number.NaN }] }).success).toBe(false);
    expect(reportInputSchema.safeParse({ points: [{ ...point, altitudeM: 180 }] }).success).toBe(true);
  });
});
