import { describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter, FleetFrame } from "@convoy/api";
import { asc, drivers, eq, locations } from "@convoy/db";
import { useTestServer } from "./support/harness";
import { collect } from "./support/subscriptions";
import { connectedClient, eventually, fleetState, locationCount, pointTrail, type TestPoint } from "./support/tracking";

const t = useTestServer({ tracking: { positionSyncIntervalMs: 200 } });

async function errorOf(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error("expected the call to fail");
}

/** Waits until `driverId` has exactly `n` rows in `locations`. */
const rowsLanded = (driverId: number, n: number) =>
  eventually(async () => ((await locationCount(t.db, driverId)) === n ? true : undefined), 15_000, `${n} rows for driver ${driverId}`);

const recordedTimes = async (driverId: number) =>
  (
    await t.db.select({ recordedAt: locations.recordedAt }).from(locations).where(eq(locations.driverId, driverId)).orderBy(asc(locations.recordedAt))
  ).map((row) => row.recordedAt.getTime());

describe("tracking.report authorization", () => {
  it("stores a report under the caller only, and refuses a driverId in the input", async () => {
    const [driver1, driver2] = await Promise.all([t.as("driver", 1), t.as("driver", 2)]);
    const before = await locationCount(t.db, driver2.userId);
    const at = Date.now();

    const result = await driver1.api.tracking.report.mutate({ points: [{ lat: 41.9, lng: -87.7, recordedAt: at }] });
    expect(result).toEqual({ accepted: 1, rejected: [] });
    await rowsLanded(driver1.userId, 1);
    const stored = await t.db
      .select()
      .from(locations)
      .where(eq(locations.recordedAt, new Date(at)));
    expect(stored.map((row) => row.driverId)).toEqual([driver1.userId]);

    const spoof = { driverId: driver2.userId, points: [{ lat: 10, lng: 10, recordedAt: at + 1 }] };
    const error = await errorOf(driver1.api.tracking.report.mutate(spoof));
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(/driverId/);

    // A later report from driver 1 landing proves the refused one was never queued.
    await driver1.api.tracking.report.mutate({ points: [{ lat: 41.91, lng: -87.71, recordedAt: at + 2 }] });
    await rowsLanded(driver1.userId, 2);
    expect(await locationCount(t.db, driver2.userId)).toBe(before);

    const dispatcher = await t.as("dispatcher");
    const fleet = await dispatcher.api.tracking.fleet.query();
    expect(fleet.drivers.find((driver) => driver.id === driver1.userId)?.position).toMatchObject({ lat: 41.91, lng: -87.71, recordedAt: at + 2 });
  });

  it("lets only dispatchers see the fleet and history, and only drivers report", async () => {
    const [driver, rider, dispatcher] = await Promise.all([t.as("driver", 2), t.as("rider", 1), t.as("dispatcher")]);
    for (const client of [driver, rider]) {
      expect((await errorOf(client.api.tracking.fleet.query())).data?.code).toBe("FORBIDDEN");
      const window = { driverId: driver.userId, from: Date.now() - 60_000, to: Date.now() };
      expect((await errorOf(client.api.tracking.history.query(window))).data?.code).toBe("FORBIDDEN");
      const stream = collect<FleetFrame>((handlers) => client.api.tracking.onFleet.subscribe(undefined, handlers));
      await stream.until(() => stream.errors.length > 0);
      stream.stop();
      expect((stream.errors[0] as TRPCClientError<AppRouter>).data?.code).toBe("FORBIDDEN");
      expect(stream.items).toEqual([]);
    }
    for (const client of [dispatcher, rider]) {
      const error = await errorOf(client.api.tracking.report.mutate({ points: [{ lat: 1, lng: 1, recordedAt: Date.now() }] }));
      expect(error.data?.code).toBe("FORBIDDEN");
    }
  });
});

describe("tracking.report input", () => {
  it("accepts the good points of a batch and says why each other one was refused", async () => {
    const driver = await t.as("driver", 3);
    const now = Date.now();
    const result = await driver.api.tracking.report.mutate({
      points: [
        { lat: 41.88, lng: -87.63, recordedAt: now - 2_000, headingDeg: 90, speedMps: 12.5, accuracyM: 5 },
        { lat: 41.88, lng: -87.63, recordedAt: now + 60_000 },
        { lat: 41.88, lng: -87.63, recordedAt: now - 11 * 60_000 },
        { lat: 91, lng: -87.63, recordedAt: now - 1_000 },
        { lat: 41.89, lng: -87.64, recordedAt: now },
      ],
    });
    expect(result.accepted).toBe(2);
    expect(result.rejected).toEqual([
      { index: 1, code: "future", reason: expect.stringMatching(/in the future/) },
      { index: 2, code: "too_old", reason: expect.stringMatching(/11 min old/) },
      { index: 3, code: "invalid_coordinates", reason: expect.stringMatching(/latitude/) },
    ]);
    await rowsLanded(driver.userId, 2);
    expect(await recordedTimes(driver.userId)).toEqual([now - 2_000, now]);
    const [first] = await t.db
      .select()
      .from(locations)
      .where(eq(locations.recordedAt, new Date(now - 2_000)));
    expect(first).toMatchObject({ driverId: driver.userId, headingDeg: 90, speedMps: 12.5, accuracyM: 5, tripId: null });
  });

  it("refuses a structurally bad batch whole with BAD_REQUEST and writes nothing", async () => {
    const driver = await t.as("driver", 4);
    const now = Date.now();
    const oversized = await errorOf(driver.api.tracking.report.mutate({ points: pointTrail(51, now) }));
    expect(oversized.data?.code).toBe("BAD_REQUEST");
    expect(oversized.message).toMatch(/at most 50 points/);
    expect((await errorOf(driver.api.tracking.report.mutate({ points: [] }))).data?.code).toBe("BAD_REQUEST");
    const notANumber = [{ lat: "41.9", lng: -87.6, recordedAt: now }] as unknown as TestPoint[];
    expect((await errorOf(driver.api.tracking.report.mutate({ points: notANumber }))).data?.code).toBe("BAD_REQUEST");

    // Writes are in order: once this marker is stored, anything queued before it would be too.
    await driver.api.tracking.report.mutate({ points: [{ lat: 41.9, lng: -87.6, recordedAt: now + 1 }] });
    await rowsLanded(driver.userId, 1);
    expect(await recordedTimes(driver.userId)).toEqual([now + 1]);
  });
});

describe("location writes", () => {
  it("stores every accepted point of a 10,000-point burst exactly once, also when a batch is retried", async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => t.as("driver", 5 + i)));
    const now = Date.now();
    const sent = new Map<number, number[]>();
    await Promise.all(
      clients.map(async (client) => {
        // 20 reports × 50 points per driver, 100 ms apart, the newest now.
        const trail = pointTrail(1_000, now, 100);
        sent.set(
          client.userId,
          trail.map((point) => point.recordedAt),
        );
        for (let i = 0; i < trail.length; i += 50) {
          const result = await client.api.tracking.report.mutate({ points: trail.slice(i, i + 50) });
          expect(result).toEqual({ accepted: 50, rejected: [] });
        }
      }),
    );
    for (const client of clients) {
      await rowsLanded(client.userId, 1_000);
      expect(await recordedTimes(client.userId)).toEqual(sent.get(client.userId));
    }

    // A phone that never saw the answer sends the same batch again, then one new point.
    const retrier = clients[0]!;
    await retrier.api.tracking.report.mutate({ points: pointTrail(1_000, now, 100).slice(0, 50) });
    await retrier.api.tracking.report.mutate({ points: [{ lat: 41.95, lng: -87.6, recordedAt: now + 5 }] });
    await rowsLanded(retrier.userId, 1_001);
    // The writer counts a chunk done once its INSERT's answer is back, which can be just after the rows show.
    await eventually(async () => (t.server.services.tracking.pendingLocationRows === 0 ? true : undefined), 5_000, "no location rows pending");
  });

  it("keeps drivers.lat/lng/position_at at the newest point, never moving back for a late batch", async () => {
    const driver = await t.as("driver", 15);
    const now = Date.now();
    await driver.api.tracking.report.mutate({ points: [{ lat: 41.8, lng: -87.8, recordedAt: now }] });
    // An older point that arrives later (the phone was offline) is stored but is not "latest".
    await driver.api.tracking.report.mutate({ points: [{ lat: 41.7, lng: -87.9, recordedAt: now - 5_000 }] });
    await rowsLanded(driver.userId, 2);
    const row = await eventually(async () => {
      const [current] = await t.db.select().from(drivers).where(eq(drivers.userId, driver.userId));
      return current?.positionAt?.getTime() === now ? current : undefined;
    });
    expect(row).toMatchObject({ lat: 41.8, lng: -87.8 });
  });
});

describe("tracking.history", () => {
  it("returns the trail oldest first, thinned evenly to at most 2,000 points with both ends kept", async () => {
    const [driver, dispatcher] = await Promise.all([t.as("driver", 16), t.as("dispatcher")]);
    const now = Date.now();
    const trail = pointTrail(2_500, now, 200);
    for (let i = 0; i < trail.length; i += 50) await driver.api.tracking.report.mutate({ points: trail.slice(i, i + 50) });
    await rowsLanded(driver.userId, 2_500);

    const full = await dispatcher.api.tracking.history.query({ driverId: driver.userId, from: now - 11 * 60_000, to: now + 60_000 });
    expect(full.total).toBe(2_500);
    expect(full.points).toHaveLength(2_000);
    expect(full.points[0]).toMatchObject({ lat: trail[0]!.lat, lng: trail[0]!.lng, recordedAt: trail[0]!.recordedAt });
    expect(full.points.at(-1)).toMatchObject({ recordedAt: trail.at(-1)!.recordedAt });
    // 2,500 → 2,000 keeps four of every five: consecutive points are one or two fixes apart.
    const gaps = new Set(full.points.slice(1).map((point, i) => point.recordedAt - full.points[i]!.recordedAt));
    expect([...gaps].sort()).toEqual([200, 400]);

    const window = await dispatcher.api.tracking.history.query({
      driverId: driver.userId,
      from: trail[10]!.recordedAt,
      to: trail[109]!.recordedAt,
    });
    expect(window.total).toBe(100);
    expect(window.points.map((point) => point.recordedAt)).toEqual(trail.slice(10, 110).map((point) => point.recordedAt));

    const backwards = await errorOf(dispatcher.api.tracking.history.query({ driverId: driver.userId, from: now, to: now - 1 }));
    expect(backwards.data?.code).toBe("BAD_REQUEST");
  });
});

describe("tracking.fleet and onFleet", () => {
  it("snapshots every driver from memory, then streams position, availability and presence changes", async () => {
    const [dispatcher, driver] = await Promise.all([t.as("dispatcher"), t.as("driver", 17)]);
    const snapshot = await dispatcher.api.tracking.fleet.query();
    expect(snapshot.drivers.length).toBeGreaterThanOrEqual(20);
    expect(snapshot.drivers.find((entry) => entry.id === driver.userId)).toMatchObject({
      name: expect.stringMatching(/driver 17/),
      online: false,
      position: { lat: expect.any(Number), lng: expect.any(Number) },
    });

    const stream = collect<FleetFrame>((handlers) => dispatcher.api.tracking.onFleet.subscribe(undefined, handlers));
    await stream.until((items) => items.length > 0);
    expect(stream.items[0]).toMatchObject({ kind: "snapshot" });
    const latest = () => fleetState(stream.items).get(driver.userId);

    const at = Date.now();
    const beforeReport = Date.now();
    await driver.api.tracking.report.mutate({ points: [{ lat: 41.77, lng: -87.66, recordedAt: at, headingDeg: 180, speedMps: 9 }] });
    await stream.until(() => latest()?.position?.recordedAt === at);
    expect(latest()?.position).toMatchObject({ lat: 41.77, lng: -87.66, headingDeg: 180, speedMps: 9, accuracyM: null });
    expect(latest()?.position?.receivedAt).toBeGreaterThanOrEqual(beforeReport);
    expect(stream.items.slice(1).every((frame) => frame.kind === "frame")).toBe(true);

    await driver.api.drivers.setAvailability.mutate({ availability: "offline" });
    await stream.until(() => latest()?.availability === "offline");

    const socket = connectedClient(t, driver.token);
    await stream.until(() => latest()?.online === true);
    await socket.close();
    stream.stop();
  });
});
