import { monitorEventLoopDelay } from "node:perf_hooks";
import { DEMO_CITY } from "@convoy/db";
import type { ConvoyClient, PositionReporter } from "@convoy/client";
import type { DriverStart, ErrorCounts, FleetDriversResult, FleetDriversRun, ReportTransport } from "../protocol";
import { Histogram } from "../stats";
import { connect, countError, forEachLimited, openReporter, sleep } from "./clients";

/** Reports one driver may have unanswered before it skips a beat (a phone would queue them). */
const MAX_IN_FLIGHT = 3;

interface SimulatedDriver {
  id: number;
  client: ConvoyClient;
  /** The position socket, when reports go over it. */
  reporter: PositionReporter | null;
  lat: number;
  lng: number;
  heading: number;
  /** Newest recordedAt the server acknowledged. */
  acked: number;
  inFlight: number;
  /** Over the position socket: reports sent in the window, and the newest point sent (the final flush confirms both). */
  sentInWindow: number;
  lastSentAt: number;
}

let drivers: SimulatedDriver[] = [];
/** Problems the position sockets reported, by code, for this worker's result. */
let reporterProblems: ErrorCounts = {};

/**
 * Makes one client per driver, starting from where the driver is, and connects it with one
 * `auth.me` call (opening the socket, or warming HTTP keep-alive), as a driver app is
 * connected before it reports: the run measures steady reporting, not a connection storm.
 * Over the position socket each driver also opens its reporter and waits until it is ready.
 */
export async function prepareFleetDrivers(url: string, starts: readonly DriverStart[], transport: ReportTransport): Promise<number> {
  reporterProblems = {};
  drivers = starts.map((start, index) => ({
    id: start.id,
    client: connect(url, start.token, transport),
    reporter: transport === "positions" ? openReporter(url, start.token) : null,
    lat: start.position?.lat ?? DEMO_CITY.lat + ((index % 100) - 50) * 0.001,
    lng: start.position?.lng ?? DEMO_CITY.lng + ((Math.floor(index / 100) % 100) - 50) * 0.001,
    heading: (index * 37) % 360,
    acked: 0,
    inFlight: 0,
    sentInWindow: 0,
    lastSentAt: 0,
  }));
  await forEachLimited(drivers, 50, async (driver) => {
    await driver.client.api.auth.me.query();
    if (!driver.reporter) return;
    await driver.reporter.flush();
    driver.reporter.onProblem((problem) => {
      const code = problem.kind === "error" ? problem.code : "rejected";
      reporterProblems[code] = (reporterProblems[code] ?? 0) + 1;
    });
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

  const nextPoint = (driver: SimulatedDriver) => {
    // About 12 m per second along the heading, turning slowly.
    driver.heading = (driver.heading + 3) % 360;
    const radians = (driver.heading * Math.PI) / 180;
    driver.lat += 0.0001 * Math.cos(radians);
    driver.lng += 0.00013 * Math.sin(radians);
    return { lat: driver.lat, lng: driver.lng, accuracyM: 5, headingDeg: driver.heading, speedMps: 12, recordedAt: Date.now() };
  };

  /** Over the position socket nothing answers a report; the final flush confirms them all. */
  const reportOverPositionSocket = (driver: SimulatedDriver, reporter: PositionReporter) => {
    const point = nextPoint(driver);
    reporter.report(point);
    driver.lastSentAt = point.recordedAt;
    if (point.recordedAt >= run.window.start && point.recordedAt < run.window.end) driver.sentInWindow++;
  };

  const report = (driver: SimulatedDriver) => {
    if (driver.reporter) {
      reportOverPositionSocket(driver, driver.reporter);
      return;
    }
    if (driver.inFlight >= MAX_IN_FLIGHT) {
      skipped++;
      return;
    }
    const point = nextPoint(driver);
    const { recordedAt } = point;
    const started = performance.now();
    driver.inFlight++;
    const call = driver.client.api.tracking.report
      .mutate({ points: [point] })
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
  await forEachLimited(drivers, 200, async (driver) => {
    if (!driver.reporter) return;
    try {
      await driver.reporter.flush();
      driver.acked = driver.lastSentAt;
      ackedInWindow += driver.sentInWindow;
    } catch (error) {
      countError(errors, error);
    }
  });
  for (const [code, n] of Object.entries(reporterProblems)) errors[code] = (errors[code] ?? 0) + n;
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
