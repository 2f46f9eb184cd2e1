import { type Database, sql } from "@convoy/db";
import { z } from "zod";
import { idSchema } from "../lib/validation";

/** Most points a breadcrumb trail returns. */
export const HISTORY_MAX_POINTS = 2_000;
/** Longest time window one history request may cover: 7 days. */
export const HISTORY_MAX_RANGE_MS = 7 * 24 * 60 * 60_000;

const epochMsSchema = z.number().int().min(0).max(8_640_000_000_000_000);

/** `tracking.history` input: a driver and a window in epoch ms, `from` ≤ `to`. */
export const historyInputSchema = z
  .object({ driverId: idSchema, from: epochMsSchema, to: epochMsSchema })
  .refine((input) => input.from <= input.to, { error: "from must not be after to", path: ["from"] })
  .refine((input) => input.to - input.from <= HISTORY_MAX_RANGE_MS, {
    error: "the window may span at most 7 days",
    path: ["to"],
  });
export type HistoryInput = z.infer<typeof historyInputSchema>;

export interface BreadcrumbPoint {
  lat: number;
  lng: number;
  accuracyM: number | null;
  headingDeg: number | null;
  speedMps: number | null;
  tripId: number | null;
  /** Epoch ms. */
  recordedAt: number;
}

export interface Breadcrumbs {
  driverId: number;
  /** Points stored in the window; more than `points.length` when the trail was thinned. */
  total: number;
  /** Oldest first. */
  points: BreadcrumbPoint[];
}

interface BreadcrumbRow {
  lat: number;
  lng: number;
  accuracy_m: number | null;
  heading_deg: number | null;
  speed_mps: number | null;
  trip_id: number | null;
  /** Drizzle's mysql2 session hands DATETIME back as text ("2026-01-02 03:04:05.678", UTC). */
  recorded_at: string | Date;
  n: number | string;
}

const utcMillis = (value: string | Date): number => (value instanceof Date ? value.getTime() : Date.parse(`${value.replace(" ", "T")}Z`));

/**
 * The driver's trail in [from, to], oldest first, thinned in MySQL to at most `maxPoints`.
 *
 * Thinning keeps point `rn` (0-based) when ⌊rn·(k−1)/(n−1)⌋ differs from the previous
 * point's value: that picks exactly k points spread evenly over the n, always including the
 * first and the last, so the trail keeps its shape and its ends.
 */
export async function locationHistory(db: Database, input: HistoryInput, maxPoints = HISTORY_MAX_POINTS): Promise<Breadcrumbs> {
  const k = Math.max(2, maxPoints);
  const [rows] = (await db.execute(sql`
    SELECT lat, lng, accuracy_m, heading_deg, speed_mps, trip_id, recorded_at, n FROM (
      SELECT lat, lng, accuracy_m, heading_deg, speed_mps, trip_id, recorded_at,
             ROW_NUMBER() OVER (ORDER BY recorded_at) - 1 AS rn,
             COUNT(*) OVER () AS n
      FROM locations
      WHERE driver_id = ${input.driverId}
        AND recorded_at BETWEEN ${new Date(input.from)} AND ${new Date(input.to)}
    ) trail
    WHERE n <= ${k} OR rn = 0 OR (rn * ${k - 1}) DIV (n - 1) <> ((rn - 1) * ${k - 1}) DIV (n - 1)
    ORDER BY rn`)) as unknown as [BreadcrumbRow[]];
  return {
    driverId: input.driverId,
    total: rows[0] ? Number(rows[0].n) : 0,
    points: rows.map((row) => ({
      lat: row.lat,
      lng: row.lng,
      accuracyM: row.accuracy_m,
      headingDeg: row.heading_deg,
      speedMps: row.speed_mps,
      tripId: row.trip_id,
      recordedAt: utcMillis(row.recorded_at),
    })),
  };
}
