import { z } from "zod";

/** Most points one `tracking.report` call may carry. */
export const MAX_POINTS_PER_REPORT = 50;
/** How far ahead of the server clock a point may be stamped (device clock skew). 30 s. */
export const MAX_CLOCK_SKEW_MS = 30_000;
/** Oldest point accepted, relative to the server clock. 10 min. */
export const MAX_POINT_AGE_MS = 10 * 60_000;

/**
 * One reported point, structurally. Only the shape is checked here; whether the values make
 * sense is `screenPoints`'s job, so one bad fix rejects that point and not the whole batch.
 * Unknown extra fields (altitude, say) are ignored rather than refused.
 */
export const reportedPointSchema = z.object({
  /** WGS84 degrees. */
  lat: z.number(),
  /** WGS84 degrees. */
  lng: z.number(),
  /** Horizontal accuracy radius in metres; negative or null means unknown. */
  accuracyM: z.number().nullish(),
  /** Course over ground in degrees clockwise from north; negative or null means unknown. */
  headingDeg: z.number().nullish(),
  /** Metres per second; negative or null means unknown. */
  speedMps: z.number().nullish(),
  /** When the device took the fix, epoch milliseconds. */
  recordedAt: z.number(),
});
export type ReportedPoint = z.infer<typeof reportedPointSchema>;

/** `tracking.report` input. Strict: identity comes from the session, so `driverId` is refused. */
export const reportInputSchema = z.strictObject({
  points: z
    .array(reportedPointSchema)
    .min(1, "send at least one point")
    .max(MAX_POINTS_PER_REPORT, `send at most ${MAX_POINTS_PER_REPORT} points per report`),
});

/** A point that passed screening, normalised: unknown optional values are null. */
export interface AcceptedPoint {
  lat: number;
  lng: number;
  accuracyM: number | null;
  headingDeg: number | null;
  speedMps: number | null;
  /** Epoch milliseconds, whole. */
  recordedAt: number;
}

export type RejectionCode = "future" | "too_old" | "invalid_coordinates" | "invalid_value" | "duplicate";

export interface Rejection {
  /** Position of the point in the submitted batch. */
  index: number;
  code: RejectionCode;
  /** A sentence for the developer or the device log. */
  reason: string;
}

export interface ScreenedPoints {
  /** Oldest first. */
  accepted: AcceptedPoint[];
  rejected: Rejection[];
}

/** Above any road vehicle's speed: a fix claiming more is a GPS glitch. 120 m/s (432 km/h). */
const MAX_SPEED_MPS = 120;

const unknownIfNegative = (value: number | null | undefined): number | null => (value === null || value === undefined || value < 0 ? null : value);

const describeSeconds = (ms: number) => (ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

function screenOne(point: ReportedPoint, now: number): AcceptedPoint | Omit<Rejection, "index"> {
  const recordedAt = Math.round(point.recordedAt);
  if (recordedAt > now + MAX_CLOCK_SKEW_MS) {
    return {
      code: "future",
      reason: `recordedAt is ${describeSeconds(recordedAt - now)} in the future; check the device clock`,
    };
  }
  if (recordedAt < now - MAX_POINT_AGE_MS) {
    return {
      code: "too_old",
      reason: `recordedAt is ${describeSeconds(now - recordedAt)} old; points older than ${MAX_POINT_AGE_MS / 60_000} min are not accepted`,
    };
  }
  if (point.lat < -90 || point.lat > 90 || point.lng < -180 || point.lng > 180) {
    return {
      code: "invalid_coordinates",
      reason: `(${point.lat}, ${point.lng}) is not a position: latitude must be within ±90 and longitude within ±180`,
    };
  }
  // Phones report -1 for "no course" or "no speed"; that is unknown, not an error.
  const headingDeg = unknownIfNegative(point.headingDeg);
  if (headingDeg !== null && headingDeg > 360) {
    return { code: "invalid_value", reason: `headingDeg ${headingDeg} must be within 0–360` };
  }
  const speedMps = unknownIfNegative(point.speedMps);
  if (speedMps !== null && speedMps > MAX_SPEED_MPS) {
    return { code: "invalid_value", reason: `speedMps ${speedMps} is above ${MAX_SPEED_MPS} m/s` };
  }
  return {
    lat: point.lat,
    lng: point.lng,
    accuracyM: unknownIfNegative(point.accuracyM),
    headingDeg: headingDeg === null ? null : headingDeg % 360,
    speedMps,
    recordedAt,
  };
}

/**
 * Splits a structurally valid batch into points worth keeping and points refused, each
 * with the reason. `now` is the server clock in epoch ms. Two points with the same
 * `recordedAt` in one batch are one fix sent twice: the first is kept.
 */
export function screenPoints(points: readonly ReportedPoint[], now: number): ScreenedPoints {
  const accepted: AcceptedPoint[] = [];
  const rejected: Rejection[] = [];
  // A phone online sends one point per report; only a backlog can repeat a fix.
  const seen = points.length > 1 ? new Set<number>() : null;
  points.forEach((point, index) => {
    const result = screenOne(point, now);
    if ("code" in result) {
      rejected.push({ index, ...result });
    } else if (seen?.has(result.recordedAt)) {
      rejected.push({ index, code: "duplicate", reason: "another point in this batch has the same recordedAt" });
    } else {
      seen?.add(result.recordedAt);
      accepted.push(result);
    }
  });
  accepted.sort((a, b) => a.recordedAt - b.recordedAt);
  return { accepted, rejected };
}
