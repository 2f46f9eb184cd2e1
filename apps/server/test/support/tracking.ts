import WebSocket from "ws";
import { createConvoyClient, type ConvoyClient, type RouterOutputs } from "@convoy/client";
import { and, count, eq, gte, inArray, lte, drivers, hashPassword, locations, users, type Database } from "@convoy/db";
import type { FleetFrame } from "@convoy/api";
import { applyFleetFrame } from "@convoy/api/schemas";
import type { TestServer } from "./harness";

type FleetDriver = RouterOutputs["tracking"]["fleet"]["drivers"][number];

/** A point as `tracking.report` takes it. */
export interface TestPoint {
  lat: number;
  lng: number;
  recordedAt: number;
  headingDeg?: number;
  speedMps?: number;
  accuracyM?: number;
}

/** Resolves once `check` returns a value other than undefined; rejects after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How many rows `locations` holds for a driver (optionally within [from, to] epoch ms). */
export async function locationCount(db: Database, driverId: number, from?: number, to?: number): Promise<number> {
  const conditions = [eq(locations.driverId, driverId)];
  if (from !== undefined) conditions.push(gte(locations.recordedAt, new Date(from)));
  if (to !== undefined) conditions.push(lte(locations.recordedAt, new Date(to)));
  const [row] = await db
    .select({ n: count() })
    .from(locations)
    .where(and(...conditions));
  return row?.n ?? 0;
}

/** A client whose WebSocket opens (and authenticates) right away, so presence sees it. */
export function connectedClient(t: TestServer, token: string): ConvoyClient {
  return createConvoyClient({ url: t.url, token, WebSocket, lazy: false });
}

/** Points along a line, `spacingMs` apart, the last one at `lastAt`. */
export function pointTrail(n: number, lastAt: number, spacingMs = 100, start = { lat: 41.85, lng: -87.65 }): TestPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    lat: start.lat + i * 0.00001,
    lng: start.lng + i * 0.00001,
    recordedAt: lastAt - (n - 1 - i) * spacingMs,
  }));
}

/** Inserts `n` more drivers (users + drivers rows) and returns their emails and user ids. */
export async function insertDrivers(db: Database, n: number, prefix: string): Promise<{ emails: string[]; ids: number[] }> {
  // Nobody logs in with this password; one hash serves every row.
  const passwordHash = await hashPassword(`${prefix}-unused`);
  const emails = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}@convoy.test`);
  await db
    .insert(users)
    .values(emails.map((email, i) => ({ role: "driver" as const, name: `${prefix} ${i + 1}`, email, phone: "+1 312 555 0100", passwordHash })));
  const rows = await db.select({ id: users.id }).from(users).where(inArray(users.email, emails));
  await db.insert(drivers).values(
    rows.map(({ id }) => ({
      userId: id,
      vehicleType: "van" as const,
      vehicleLengthCm: 340,
      vehicleWidthCm: 170,
      vehicleHeightCm: 180,
      payloadKg: 1_400,
      availability: "available" as const,
    })),
  );
  return { emails, ids: rows.map(({ id }) => id) };
}

/** Folds a fleet stream's snapshot and frames into each driver's latest state. */
export function fleetState(frames: FleetFrame[]): Map<number, FleetDriver> {
  return frames.reduce<Map<number, FleetDriver>>((state, frame) => applyFleetFrame(state, frame), new Map());
}
