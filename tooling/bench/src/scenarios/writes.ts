import type { BenchContext } from "../context";
import { CpuMeter } from "../proc";
import type { ErrorCounts } from "../protocol";
import { mergeErrors, sleep } from "../roles/clients";
import { Histogram, type Summary } from "../stats";
import { split, startWorkers } from "../workerPool";

export interface WritesResult {
  drivers: number;
  seconds: number;
  /** Rows that landed in `locations` per second in steady state, counted in MySQL. */
  rowsPerS: number;
  /** Points the drivers tried to send per second. */
  offeredPointsPerS: number;
  /** Points the server acknowledged per second. */
  acceptedPointsPerS: number;
  /** Rows in `locations` after the buffer drained, and the points acknowledged: equal if nothing was lost. */
  rowsStored: number;
  pointsAcknowledged: number;
  /** tracking.report round trip for a 50-point batch, ms. */
  reportMs: Summary;
  serverCpuPct: number;
  skippedBatches: number;
  errors: ErrorCounts;
}

/**
 * Many drivers send 50-point batches as fast as their rate limit allows; the rows that reach
 * `locations` are counted in MySQL between two moments of steady load.
 */
export async function runWrites(
  context: BenchContext,
  settings: { drivers: number; seconds: number; pointsPerBatch: number; batchesPerSecond: number },
): Promise<WritesResult> {
  const drivers = context.take("driver", settings.drivers);
  const server = await context.startServer("writes");
  const workers = startWorkers(2);
  try {
    const parts = split(drivers, workers.length);
    // The write path's capacity is measured with 550 points a second per driver, far above what
    // the position socket's per-driver rate limit lets a phone send; tracking.report takes it.
    const transport = context.options.reportsOver === "http" ? "http" : "socket";
    await Promise.all(parts.map((accounts, i) => workers[i]!.call("writers.prepare", { url: server.url, accounts, transport })));
    const rowsAtStart = await context.database.countLocations();
    const startAt = Date.now() + 500;
    const stopAt = startAt + settings.seconds * 1_000;
    // A minute back, but after anything these drivers stored already (an earlier scenario's
    // reports): a point on an existing (driver, recorded_at) is a no-op by design, and would
    // look like a lost row.
    const firstRecordedAt = Math.max(startAt - 60_000, (await context.database.latestRecordedAt(drivers.map((driver) => driver.id))) + 1);
    const runs = parts.map((_, i) =>
      workers[i]!.call("writers.run", {
        startAt,
        stopAt,
        firstRecordedAt,
        batchesPerSecond: settings.batchesPerSecond,
        pointsPerBatch: settings.pointsPerBatch,
      }),
    );

    // Steady state: skip the first two seconds, stop counting when the drivers stop.
    await sleep(startAt + 2_000 - Date.now());
    const cpu = new CpuMeter([server.pid]);
    const fromRows = await context.database.countLocations();
    const from = performance.now();
    await sleep(stopAt - Date.now());
    const toRows = await context.database.countLocations();
    const to = performance.now();
    const serverCpuPct = cpu.percent();
    const results = await Promise.all(runs);
    const latency = new Histogram(0.1);
    const errors: ErrorCounts = {};
    let accepted = 0;
    let skipped = 0;
    for (const result of results) {
      latency.merge(result.latency);
      accepted += result.pointsAccepted;
      skipped += result.skipped;
      mergeErrors(errors, result.errors);
    }

    // Let the writer drain its buffer (every acknowledged point stored, or no progress for 3 s).
    let stored = (await context.database.countLocations()) - rowsAtStart;
    let lastProgress = Date.now();
    while (stored < accepted && Date.now() - lastProgress < 3_000) {
      await sleep(250);
      const now = (await context.database.countLocations()) - rowsAtStart;
      if (now !== stored) lastProgress = Date.now();
      stored = now;
    }
    return {
      drivers: drivers.length,
      seconds: settings.seconds,
      rowsPerS: ((toRows - fromRows) * 1000) / (to - from),
      offeredPointsPerS: drivers.length * settings.batchesPerSecond * settings.pointsPerBatch,
      acceptedPointsPerS: accepted / settings.seconds,
      rowsStored: stored,
      pointsAcknowledged: accepted,
      reportMs: latency.summary(),
      serverCpuPct,
      skippedBatches: skipped,
      errors,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await server.stop();
  }
}
