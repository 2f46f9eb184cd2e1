import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { FleetFrame } from "@convoy/api";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { and, eq, inArray, users } from "@convoy/db";
import { useTestServer } from "./support/harness";
import { collect } from "./support/subscriptions";
import { fleetState, insertDrivers, type TestPoint } from "./support/tracking";

const t = useTestServer();

const DRIVERS = 200;
/** 20 points per driver, sent as 5 reports of 4, all drivers at once per round. */
const ROUNDS = 5;
const POINTS_PER_REPORT = 4;

const extraClients: ConvoyClient[] = [];
afterAll(() => Promise.all(extraClients.map((client) => client.close())));

/**
 * Clients for drivers inserted by the test. Their tokens come from the server's own token
 * service: 180 scrypt logins would only load the machine that other test files share.
 */
async function clientsFor(emails: string[]): Promise<(ConvoyClient & { userId: number })[]> {
  const rows = await t.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, "driver"), inArray(users.email, emails)));
  return Promise.all(
    rows.map(async ({ id }) => {
      const { token } = await t.tokenFor(id, "driver");
      const client = createConvoyClient({ url: t.url, token, WebSocket });
      extraClients.push(client);
      return Object.assign(client, { userId: id });
    }),
  );
}

describe("tracking.onFleet conflation", () => {
  it("sends at most 10 frames a second to every subscriber while 200 drivers report, and ends on each driver's last point", async () => {
    const seeded = await Promise.all(Array.from({ length: 20 }, (_, i) => t.as("driver", i + 1)));
    const extra = await insertDrivers(t.db, DRIVERS - seeded.length, "fleet-driver-");
    const drivers = [...seeded, ...(await clientsFor(extra.emails))];
    expect(new Set(drivers.map((driver) => driver.userId)).size).toBe(DRIVERS);

    const [first, second] = await Promise.all([t.as("dispatcher"), t.as("dispatcher")]);
    const streams = [first, second].map((dispatcher) =>
      collect<FleetFrame>((handlers) => dispatcher.api.tracking.onFleet.subscribe(undefined, handlers)),
    );
    await Promise.all(streams.map((stream) => stream.until((items) => items.length > 0)));

    const last = new Map<number, TestPoint>();
    let clock = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      // Every driver reports at the same time; each point is newer than the one before.
      clock = Math.max(Date.now(), clock + POINTS_PER_REPORT);
      const roundStart = clock;
      await Promise.all(
        drivers.map(async (driver, index) => {
          const points = Array.from({ length: POINTS_PER_REPORT }, (_, k) => {
            const step = round * POINTS_PER_REPORT + k;
            return { lat: 41.6 + index * 0.002 + step * 0.0001, lng: -87.9 + step * 0.0001, recordedAt: roundStart + k };
          });
          const result = await driver.api.tracking.report.mutate({ points });
          expect(result.accepted).toBe(POINTS_PER_REPORT);
          last.set(driver.userId, points.at(-1)!);
        }),
      );
      clock = roundStart + POINTS_PER_REPORT;
    }

    const reachedFinalState = (items: FleetFrame[]) => {
      const state = fleetState(items);
      return drivers.every((driver) => state.get(driver.userId)?.position?.recordedAt === last.get(driver.userId)?.recordedAt);
    };
    for (const stream of streams) {
      await stream.until(reachedFinalState, 20_000);
      const state = fleetState(stream.items);
      for (const driver of drivers) {
        const expected = last.get(driver.userId)!;
        expect(state.get(driver.userId)?.position).toMatchObject({ lat: expected.lat, lng: expected.lng, recordedAt: expected.recordedAt });
      }

      const frames = stream.items.filter((item) => item.kind === "frame");
      expect(stream.items[0]?.kind).toBe("snapshot");
      // 1,000 reports arrived; conflation folds them into far fewer frames, several drivers each.
      expect(frames.length).toBeLessThan((DRIVERS * ROUNDS) / 10);
      expect(Math.max(...frames.map((frame) => frame.drivers.length))).toBeGreaterThan(1);
      // No one-second window (by the server's frame clock) holds more than 10 frames.
      for (const frame of frames) {
        const inWindow = frames.filter((other) => other.at >= frame.at && other.at < frame.at + 1_000).length;
        expect(inWindow).toBeLessThanOrEqual(10);
      }
      stream.stop();
    }
  });
});
