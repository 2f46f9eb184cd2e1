import { monitorEventLoopDelay } from "node:perf_hooks";
import { DEMO_CITY } from "@convoy/db";
import type { ConvoyClient } from "@convoy/client";
import type { DriverStart, ErrorCounts, FleetDriversResult, FleetDriversRun, ReportTransport } from "../protocol";
import { Histogram } from "../stats";
import { connect, countError, forEachLimited, sleep } from "./clients";

/** Reports one driver may have unanswered before it skips a beat (a phone would queue them). */
const MAX_IN_FLIGHT = 3;

interface SimulatedDriver {
  id: number;
  client: ConvoyClient;
  lat: number;
  lng: number;
  heading: number;
  /** Newest recordedAt the server acknowledged. */
  acked: number;
  inFlight: number;
}

let drivers: SimulatedDriver[] = [];

/**
 * Makes one client per driver, starting from where the driver is, and connects it with one
 * `auth.me` call (opening the socket, or warming HTTP keep-alive), as a driver app is
 * connected before it reports: the run measures steady reporting, not a connection storm.
 */
export async function prepareFleetDrivers(url: string, starts: readonly DriverStart[], transport: ReportTransport): Promise<number> {
  drivers = starts.map((start, index) => ({
    id: start.id,
    client: connect(url, start.token, transport),
    lat: start.position?.lat ?? DEMO_CITY.lat + ((index % 100) - 50) * 0.001,
    lng: start.position?.lng ?? DEMO_CITY.lng + ((Math.floor(index / 100) % 100) - 50) * 0.001,
    heading: (index * 37) % 360,
    acked: 0,
    inFlight: 0,
  }));
  await forEachLimited(drivers, 50, async (driver) => {
    await driver.client.api.auth.me.query();
  });
  return drivers.length;
}

/**
 * Every driver reports one point per `periodMs`, phases spread evenly across the period so
 * the load is smooth, from `startAt` until `stopAt`. `recordedAt` is the send time on this
 * machine's clock, which is what dispatchers measure latency against. Resolves once every
 * report has been answered.
 */
export async function runFleetDrivers(run: FleetDriversRun): Promise<FleetDriversResult> {
  const errors: ErrorCounts = {};
  const reportLatency = new Histogram(0.1);
  let ackedInWindow = 0;
  let skipped = 0;
  const pending = new Set<Promise<void>>();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const report = (driver: SimulatedDriver) => {
    if (driver.inFlight >= MAX_IN_FLIGHT) {
      skipped++;
      return;
    }
    // About 12 m per second along the heading, turning slowly.
    driver.heading = (driver.heading + 3) % 360;
    const radians = (driver.heading * Math.PI) / 180;
    driver.lat += 0.0001 * Math.cos(radians);
    driver.lng += 0.00013 * Math.sin(radians);
    const recordedAt = Date.now();
    const started = performance.now();
    driver.inFlight++;
    const call = driver.client.api.tracking.report
      .mutate({
        points: [{ lat: driver.lat, lng: driver.lng, accuracyM: 5, headingDeg: driver.heading, speedMps: 12, recordedAt }],
      })
      .then(
        (result) => {
          if (result.accepted !== 1) {
            errors.rejected = (errors.rejected ?? 0) + 1;
            return;
          }
          reportLatency.record(performance.now() - started);
          if (recordedAt > driver.acked) driver.acked = recordedAt;
          if (recordedAt >= run.window.start && recordedAt < run.window.end) ackedInWindow++;
        },
        (error: unknown) => countError(errors, error),
      )
      .finally(() => {
        driver.inFlight--;
        pending.delete(call);
      });
    pending.add(call);
  };

  await Promise.all(
    drivers.map(async (driver, index) => {
      let due = run.startAt + ((run.phase.offset + index) / run.phase.total) * run.periodMs;
      while (due < run.stopAt) {
        await sleep(due - Date.now());
        report(driver);
        due += run.periodMs;
      }
    }),
  );
  while (pending.size > 0) await Promise.allSettled([...pending]);
  loopDelay.disable();

  return {
    finals: drivers.map((driver) => [driver.id, driver.acked]),
    ackedInWindow,
    skipped,
    errors,
    reportLatency: reportLatency.toJSON(),
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
  };
}
