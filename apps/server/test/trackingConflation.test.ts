import { describe, expect, it } from "vitest";
import type { FleetFrame } from "@convoy/api";
import { demoLogins } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { collect } from "./support/subscriptions";
import { fleetState, insertDrivers, type TestPoint } from "./support/tracking";

const t = useTestServer();

const DRIVERS = 200;
const POINTS_PER_DRIVER = 20;

/** Logs in `emails` a few at a time (each login runs scrypt on the server). */
async function loginAll(emails: string[], password: (email: string) => string): Promise<LoggedInClient[]> {
  const clients: LoggedInClient[] = [];
  for (let i = 0; i < emails.length; i += 25) {
    clients.push(...(await Promise.all(emails.slice(i, i + 25).map((email) => t.login(email, password(email))))));
  }
  return clients;
}

describe("tracking.onFleet conflation", () => {
  it("sends at most 10 frames a second to every subscriber while 200 drivers report, and ends on each driver's last point", async () => {
    const seeded = demoLogins().filter((login) => login.role === "driver");
    const extra = await insertDrivers(t.db, DRIVERS - seeded.length, "fleet-driver-");
    const drivers = await loginAll([...seeded.map((login) => login.email), ...extra.emails], (email) =>
      seeded.find((login) => login.email === email)?.password ?? extra.password,
    );
    expect(new Set(drivers.map((driver) => driver.userId)).size).toBe(DRIVERS);

    const [first, second] = await Promise.all([t.as("dispatcher"), t.as("dispatcher")]);
    const streams = [first, second].map((dispatcher) =>
      collect<FleetFrame>((handlers) => dispatcher.api.tracking.onFleet.subscribe(undefined, handlers)),
    );
    await Promise.all(streams.map((stream) => stream.until((items) => items.length > 0)));

    const last = new Map<number, TestPoint>();
    let clock = Date.now();
    for (let round = 0; round < POINTS_PER_DRIVER; round++) {
      // Every driver reports once per round, all at the same time; each point is newer than the last.
      clock = Math.max(Date.now(), clock + 1);
      const recordedAt = clock;
      await Promise.all(
        drivers.map(async (driver, index) => {
          const point = { lat: 41.6 + index * 0.002 + round * 0.0001, lng: -87.9 + round * 0.0001, recordedAt };
          const result = await driver.api.tracking.report.mutate({ points: [point] });
          expect(result.accepted).toBe(1);
          last.set(driver.userId, point);
        }),
      );
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
      // 4,000 reports arrived; conflation folds them into far fewer frames, several drivers each.
      expect(frames.length).toBeLessThan((DRIVERS * POINTS_PER_DRIVER) / 10);
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
