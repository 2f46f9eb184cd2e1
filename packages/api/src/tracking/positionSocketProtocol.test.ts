import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isWellFormedReport, positionSocketMessageSchema } from "./positionSocketProtocol";

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const optionalNumber = fc.oneof(fc.constant(undefined), fc.constant(null), finite);
const point = fc.record(
  { lat: finite, lng: finite, recordedAt: finite, accuracyM: optionalNumber, headingDeg: optionalNumber, speedMps: optionalNumber },
  { requiredKeys: ["lat", "lng", "recordedAt"] },
);
const report = fc.record({
  type: fc.constant("report"),
  seq: fc.nat(),
  points: fc.array(point, { minLength: 1, maxLength: 50 }),
});

/** Near misses: a valid report with one thing changed, or with a value anywhere replaced. */
const nearMiss = fc.oneof(
  report.chain((message) => fc.record({ ...Object.fromEntries(Object.entries(message).map(([k, v]) => [k, fc.constant(v)])), extra: fc.anything() })),
  fc.tuple(report, fc.constantFrom("type", "seq", "points"), fc.anything()).map(([message, key, value]) => ({ ...message, [key]: value })),
  fc
    .tuple(report, fc.constantFrom("lat", "lng", "recordedAt", "accuracyM", "headingDeg", "speedMps"), fc.anything())
    .map(([message, key, value]) => ({
      ...message,
      points: [{ ...message.points[0], [key]: value }, ...message.points.slice(1)],
    })),
  fc.tuple(report, fc.array(point, { minLength: 51, maxLength: 60 })).map(([message, points]) => ({ ...message, points })),
  fc.tuple(report, fc.constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER + 2)).map(([message, seq]) => ({ ...message, seq })),
);

describe("isWellFormedReport", () => {
  it("only ever accepts what the zod schema accepts as a report", () => {
    fc.assert(
      fc.property(fc.oneof(nearMiss, fc.anything(), report), (value) => {
        if (!isWellFormedReport(value)) return;
        const parsed = positionSocketMessageSchema.safeParse(value);
        expect(parsed.success && parsed.data.type).toBe("report");
      }),
      { numRuns: 5_000 },
    );
  });

  it("accepts every well-formed report, so the fast path is the common path", () => {
    fc.assert(
      fc.property(report, (value) => {
        expect(isWellFormedReport(JSON.parse(JSON.stringify(value)))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("leaves a driverId, a missing point field or an empty batch to zod", () => {
    const point = { lat: 1, lng: 2, recordedAt: 3 };
    expect(isWellFormedReport({ type: "report", seq: 1, points: [point], driverId: 7 })).toBe(false);
    expect(isWellFormedReport({ type: "report", seq: 1, points: [{ lat: 1, lng: 2 }] })).toBe(false);
    expect(isWellFormedReport({ type: "report", seq: 1, points: [] })).toBe(false);
    expect(isWellFormedReport({ type: "sync", seq: 1 })).toBe(false);
  });
});
