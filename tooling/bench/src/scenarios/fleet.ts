import type { BenchContext } from "../context";
import { CpuMeter, MachineCpuMeter } from "../proc";
import type { ErrorCounts, FleetDispatchersResult, FleetDriversResult, RidersResult } from "../protocol";
import { mergeErrors, sleep } from "../roles/clients";
import { Histogram, type Summary } from "../stats";
import { split, startWorkers, type BenchWorker } from "../workerPool";

export interface FleetSettings {
  drivers: number;
  dispatchers: number;
  /** Riders following a trip with one of the drivers (at most one per driver). */
  riders: number;
  seconds: number;
  /**
   * Reporting before the window opens. A fresh server process runs the report path cold: its
   * CPU profile shows ~4 s at 95–100 % of a core before it settles near 60 % here, and
   * what queues up then would be measured as latency of the steady state.
   */
  warmupSeconds: number;
}

export interface FleetResult {
  drivers: number;
  dispatchers: number;
  seconds: number;
  /** Reports acknowledged per second (one point each). */
  ingestPerS: number;
  /** Driver positions reaching a dispatcher per second, summed over dispatchers. */
  deliveriesPerS: number;
  /** Driver send → dispatcher receipt, ms. */
  latencyMs: Summary;
  /** That latency's legs: send → server receipt → frame built → dispatcher receipt, ms. */
  latencyLegsMs: { toServer: Summary; toFrame: Summary; toDispatcher: Summary };
  /** Driver send → the trip's rider's `tracking.onTrip` frame, ms; p99 null when not measured. */
  riderLatencyMs: Summary | { p99: null };
  riders: {
    requested: number;
    /** Riders whose trip was assigned and who followed it. */
    following: number;
    deliveriesPerS: number;
    /** Riders missing their driver's final point at the end. */
    lostFinalPositions: number;
    setupErrors: ErrorCounts;
    /** Why riders were not measured, when they were not. */
    notMeasured?: string;
  };
  /** tracking.report round trip as the driver saw it, ms. */
  reportMs: Summary;
  framesPerS: number;
  /** Server process CPU over the window, % of one core. */
  serverCpuPct: number;
  /** Server CPU µs (ingest and fan-out together) per delivery. */
  serverUsPerDelivery: number;
  /**
   * The server's CPU split into user mode (Convoy, tRPC, V8, GC) and kernel (socket reads and
   * writes), % of one core. User time per report is the steadiest figure for comparing code
   * across runs: kernel time and deliveries both move with how busy the machine is.
   */
  serverCpuSplit: { userPct: number; systemPct: number; userUsPerReport: number };
  /** Load-generator processes' CPU over the window, % of one core. */
  loadGeneratorCpuPct: number;
  /** Worst event-loop delay p99 among driver / dispatcher worker processes, ms (high: the generator lagged). */
  loadGeneratorLoopDelayP99Ms: { drivers: number; dispatchers: number };
  /**
   * Everything else on the machine over the window (MySQL, and anything other people ran),
   * % of one core: the machine's busy time minus the server's and the load generator's.
   */
  otherCpuPct: number;
  /** CPU time the host took from this VM over the window (steal), % of one core. */
  stealPct: number;
  lostFinalPositions: number;
  lostFinalPairs: number;
  skippedReports: number;
  errors: ErrorCounts;
  serverRssMiB: number;
}

/**
 * D drivers (in 2–4 processes) report one point a second over HTTP; S dispatchers (in their
 * own process) watch `tracking.onFleet`. After a warm-up, server CPU and every delivery are
 * measured for `seconds`. When drivers stop, each dispatcher's final view is checked
 * against every driver's last acknowledged point.
 */
export async function runFleet(context: BenchContext, settings: FleetSettings): Promise<FleetResult> {
  const driverAccounts = context.take("driver", settings.drivers);
  const dispatcherAccounts = context.take("dispatcher", settings.dispatchers);
  const riderCount = context.riderProbe.available ? Math.min(settings.riders, settings.drivers, context.accounts.rider.length) : 0;
  const server = await context.startServer(`fleet-${settings.drivers}`);
  const driverWorkerCount = Math.min(4, Math.max(2, Math.ceil(settings.drivers / 750)));
  const driverWorkers = startWorkers(driverWorkerCount);
  // Dispatchers parse every frame; two processes keep one busy parser from adding its queue to the latency.
  const dispatcherWorkers = startWorkers(settings.dispatchers >= 20 ? 2 : 1);
  const riderWorkers = startWorkers(riderCount > 0 ? 1 : 0);
  const workers: BenchWorker[] = [...driverWorkers, ...dispatcherWorkers, ...riderWorkers];
  try {
    const driverParts = split(driverAccounts, driverWorkers.length);
    const startPositions = await context.database.driverPositions(driverAccounts.map((driver) => driver.id));
    await Promise.all(
      driverParts.map((accounts, i) =>
        driverWorkers[i]!.call("fleetDrivers.prepare", {
          url: server.url,
          drivers: accounts.map((account) => ({ ...account, position: startPositions.get(account.id) ?? null })),
          transport: context.options.reportsOver,
        }),
      ),
    );
    const dispatcherParts = split(dispatcherAccounts, dispatcherWorkers.length);
    await Promise.all(dispatcherParts.map((accounts, i) => dispatcherWorkers[i]!.call("fleetDispatchers.subscribe", { url: server.url, accounts })));

    // Riders get a trip with the driver of the same index, picked up where that driver is now
    // (the server keeps `drivers.lat/lng` current), so that driver is the nearest.
    const where = await context.database.driverPositions(driverAccounts.slice(0, riderCount).map((driver) => driver.id));
    const pairs = context.accounts.rider.slice(0, riderCount).flatMap((rider, i) => {
      const driver = driverAccounts[i]!;
      const pickup = where.get(driver.id);
      return pickup ? [{ rider, driver, pickup }] : [];
    });
    const ridersPrepared = await Promise.all(riderWorkers.map((worker) => worker.call("riders.prepare", { url: server.url, pairs })));

    const startAt = Date.now() + 1_000;
    const window = { start: startAt + settings.warmupSeconds * 1_000, end: startAt + (settings.warmupSeconds + settings.seconds) * 1_000 };
    await Promise.all([
      ...dispatcherWorkers.map((worker) => worker.call("fleetDispatchers.setWindow", window)),
      ...riderWorkers.map((worker) => worker.call("riders.setWindow", window)),
    ]);
    let offset = 0;
    const driverRuns = driverParts.map((accounts, i) => {
      const phase = { offset, total: settings.drivers };
      offset += accounts.length;
      return driverWorkers[i]!.call("fleetDrivers.run", { startAt, stopAt: window.end, window, periodMs: 1_000, phase });
    });

    await sleep(window.start - Date.now());
    const serverCpu = new CpuMeter([server.pid]);
    const generatorCpu = new CpuMeter(workers.map((worker) => worker.pid));
    const machineCpu = new MachineCpuMeter();
    await sleep(window.end - Date.now());
    const serverCpuSplit = serverCpu.split();
    const serverCpuSeconds = serverCpuSplit.user + serverCpuSplit.system;
    const windowSeconds = serverCpu.elapsedSeconds();
    const loadGeneratorCpuPct = generatorCpu.percent();
    // Per-process and machine-wide accounting differ by a few %; below zero means "nothing else ran".
    const otherCpuPct = Math.max(0, machineCpu.percent() - loadGeneratorCpuPct - (100 * serverCpuSeconds) / windowSeconds);
    const stealPct = machineCpu.stealPercent();
    const serverRssMiB = server.rssKiB() / 1024;

    const driverResults: FleetDriversResult[] = await Promise.all(driverRuns);
    const errors: ErrorCounts = {};
    // Frames go out at most every 100 ms; a second is plenty for the last one to land.
    await sleep(1_000);
    const finals = driverResults.flatMap((result) => result.finals);
    const dispatcherResults: FleetDispatchersResult[] = await Promise.all(
      dispatcherWorkers.map((worker) => worker.call("fleetDispatchers.collect", { finals })),
    );
    const riderResults: RidersResult[] = await Promise.all(riderWorkers.map((worker) => worker.call("riders.collect", { finals })));
    await Promise.all(riderWorkers.map((worker) => worker.call("riders.finish", null)));
    const riderLatency = new Histogram(0.1);
    let riderDeliveries = 0;
    let ridersLost = 0;
    let ridersFollowing = 0;
    for (const result of riderResults) {
      riderLatency.merge(result.latency);
      riderDeliveries += result.deliveries;
      ridersLost += result.lost;
      ridersFollowing += result.riders;
      mergeErrors(errors, result.errors);
    }
    const riderSetupErrors: ErrorCounts = {};
    for (const prepared of ridersPrepared) mergeErrors(riderSetupErrors, prepared.errors);
    const riderNote =
      riderCount === 0
        ? settings.riders === 0
          ? "no riders requested"
          : (context.riderProbe.reason ?? "no rider accounts")
        : ridersFollowing === 0
          ? "no rider got an assigned trip"
          : undefined;

    const latency = new Histogram(0.1);
    const reportLatency = new Histogram(0.1);
    const legs = { toServer: new Histogram(0.1), toFrame: new Histogram(0.1), toDispatcher: new Histogram(0.1) };
    const lost = new Set<number>();
    let deliveries = 0;
    let frames = 0;
    let lostPairs = 0;
    for (const result of dispatcherResults) {
      latency.merge(result.latency);
      legs.toServer.merge(result.legs.toServer);
      legs.toFrame.merge(result.legs.toFrame);
      legs.toDispatcher.merge(result.legs.toDispatcher);
      deliveries += result.deliveries;
      frames += result.frames;
      lostPairs += result.lostPairs;
      for (const id of result.lostDrivers) lost.add(id);
      mergeErrors(errors, result.errors);
    }
    let acked = 0;
    let skipped = 0;
    for (const result of driverResults) {
      reportLatency.merge(result.reportLatency);
      acked += result.ackedInWindow;
      skipped += result.skipped;
      mergeErrors(errors, result.errors);
    }

    return {
      drivers: settings.drivers,
      dispatchers: settings.dispatchers,
      seconds: settings.seconds,
      ingestPerS: acked / settings.seconds,
      deliveriesPerS: deliveries / settings.seconds,
      latencyMs: latency.summary(),
      latencyLegsMs: { toServer: legs.toServer.summary(), toFrame: legs.toFrame.summary(), toDispatcher: legs.toDispatcher.summary() },
      riderLatencyMs: riderLatency.count > 0 ? riderLatency.summary() : { p99: null },
      riders: {
        requested: riderCount,
        following: ridersFollowing,
        deliveriesPerS: riderDeliveries / settings.seconds,
        lostFinalPositions: ridersLost,
        setupErrors: riderSetupErrors,
        ...(riderNote ? { notMeasured: riderNote } : {}),
      },
      reportMs: reportLatency.summary(),
      framesPerS: frames / settings.seconds / settings.dispatchers,
      serverCpuPct: (100 * serverCpuSeconds) / windowSeconds,
      serverUsPerDelivery: deliveries > 0 ? (serverCpuSeconds * 1e6) / deliveries : Number.NaN,
      serverCpuSplit: {
        userPct: (100 * serverCpuSplit.user) / windowSeconds,
        systemPct: (100 * serverCpuSplit.system) / windowSeconds,
        userUsPerReport: acked > 0 ? (serverCpuSplit.user * 1e6 * settings.seconds) / (acked * windowSeconds) : Number.NaN,
      },
      loadGeneratorCpuPct,
      loadGeneratorLoopDelayP99Ms: {
        drivers: Math.max(...driverResults.map((result) => result.loopDelayP99Ms)),
        dispatchers: Math.max(...dispatcherResults.map((result) => result.loopDelayP99Ms)),
      },
      otherCpuPct,
      stealPct,
      lostFinalPositions: lost.size,
      lostFinalPairs: lostPairs,
      skippedReports: skipped,
      errors,
      serverRssMiB,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await server.stop();
  }
}
