import type { BenchContext } from "../context";
import { CpuMeter, findProcess } from "../proc";
import type { ErrorCounts, OffersCreated } from "../protocol";
import { mergeErrors, sleep } from "../roles/clients";
import { Histogram, type Summary } from "../stats";
import { split, startWorkers } from "../workerPool";

/** How long an offer's steps took, over a set of offers. */
export interface OfferTimings {
  /** `offers.create` call → the last of its recipients' `offer.received`, ms. */
  lastRecipientMs: Summary;
  /** The accepting driver's `offers.respond` call → its dispatcher's `offer.accepted`, ms. */
  acceptToDispatcherMs: Summary;
  /** `offers.create` call → its answer, ms: the share of `lastRecipientMs` before delivery begins. */
  createAnsweredMs: Summary;
  /** The accepting driver's `offers.respond` call → its answer, ms. */
  acceptAnsweredMs: Summary;
  /** Offers whose recipients did not all receive them, or whose acceptance was not answered or seen by the dispatcher. */
  incomplete: number;
}

export interface OffersResult extends OfferTimings {
  drivers: number;
  dispatchers: number;
  recipients: number;
  offeredPerS: number;
  /** Offers created per second: those created ÷ the window their creates were sent in. */
  offersPerS: number;
  created: number;
  /** The unmeasured warm-up's offers on the fresh server (`warmupSeconds` at the rate); null without one. */
  cold: (OfferTimings & { seconds: number }) | null;
  serverCpuPct: number;
  /** Server CPU per offer (create, its deliveries, the accept and what it sends), ms. */
  serverCpuMsPerOffer: number;
  /** MySQL's CPU per offer, ms (it shares the machine's cores); null when its process was not found. */
  mysqlCpuMsPerOffer: number | null;
  errors: ErrorCounts;
}

export interface OffersSettings {
  drivers: number;
  dispatchers: number;
  recipients: number;
  offersPerSecond: number;
  seconds: number;
  /** Seconds at the rate before the measured window, unmeasured (0: none). */
  warmupSeconds: number;
}

/**
 * `drivers` drivers (two processes) and `dispatchers` dispatchers (a third) subscribe to
 * `offers.events` over their WebSockets; the dispatchers create `offersPerSecond` offers in
 * total, each to `recipients` drivers, and the first recipient of each accepts it the moment
 * it arrives. Measures create → the last recipient, and accept → the dispatcher, after
 * `warmupSeconds` at the rate that are reported apart.
 */
export async function runOffers(context: BenchContext, settings: OffersSettings): Promise<OffersResult> {
  const drivers = context.take("driver", settings.drivers);
  const dispatchers = context.take("dispatcher", settings.dispatchers);
  const server = await context.startServer("offers");
  const [desk, ...fleet] = startWorkers(3);
  try {
    const driverParts = split(drivers, fleet.length);
    await Promise.all(fleet.map((worker, i) => worker.call("offers.prepareDrivers", { url: server.url, accounts: driverParts[i]! })));
    await desk!.call("offers.prepareDispatchers", { url: server.url, accounts: dispatchers });
    const runAt = (seconds: number) =>
      desk!.call("offers.run", {
        seconds,
        offersPerSecond: settings.offersPerSecond,
        driverIds: drivers.map((driver) => driver.id),
        recipients: settings.recipients,
      });
    // The last acceptances of a run are still on their way: wait for them (bounded).
    const acceptancesSeen = async (expected: number) => {
      const deadline = performance.now() + 10_000;
      while ((await desk!.call("offers.acceptedSeen", null)) < expected && performance.now() < deadline) await sleep(50);
    };
    // At the rate, unmeasured: a fresh server's first offers run code V8 has not optimised
    // yet, and work queues behind them; what they take is reported apart (`cold`).
    const warmUp = settings.warmupSeconds > 0 ? await runAt(settings.warmupSeconds) : null;
    if (warmUp) await acceptancesSeen(warmUp.created.length);
    const cpu = new CpuMeter([server.pid]);
    const mysqlPid = findProcess(["mariadbd", "mysqld"]);
    const mysqlCpu = mysqlPid === null ? null : new CpuMeter([mysqlPid]);
    const run = await runAt(settings.seconds);
    await acceptancesSeen((warmUp?.created.length ?? 0) + run.created.length);
    const cpuSeconds = cpu.cpuSeconds();
    const mysqlCpuSeconds = mysqlCpu?.cpuSeconds() ?? null;
    const serverCpuPct = cpu.percent();
    const [dispatcherSide, ...driverSides] = await Promise.all([
      desk!.call("offers.collectDispatchers", null),
      ...fleet.map((worker) => worker.call("offers.collectDrivers", null)),
    ]);

    const receipts = new Map<number, number[]>();
    const acceptCalls = new Map<number, number>();
    const acceptAnswers = new Map<number, number>();
    const errors: ErrorCounts = { ...run.errors };
    if (warmUp) mergeErrors(errors, warmUp.errors);
    for (const side of driverSides) {
      for (const [offerId, times] of side.receipts) receipts.set(offerId, [...(receipts.get(offerId) ?? []), ...times]);
      for (const [offerId, at] of side.acceptCalls) acceptCalls.set(offerId, at);
      for (const [offerId, at] of side.acceptAnswers) acceptAnswers.set(offerId, at);
      mergeErrors(errors, side.errors);
    }
    const acceptedSeen = new Map(dispatcherSide);
    const timings = (offers: OffersCreated): OfferTimings => {
      const lastRecipient = new Histogram(0.1);
      const acceptToDispatcher = new Histogram(0.1);
      const createAnswered = new Histogram(0.1);
      const acceptAnswered = new Histogram(0.1);
      const answeredAt = new Map(offers.answered);
      let incomplete = 0;
      for (const [offerId, sentAt] of offers.created) {
        const times = receipts.get(offerId) ?? [];
        const acceptedAt = acceptedSeen.get(offerId);
        const acceptCall = acceptCalls.get(offerId);
        const acceptAnswer = acceptAnswers.get(offerId);
        if (times.length < settings.recipients || acceptedAt === undefined || acceptCall === undefined || acceptAnswer === undefined) {
          incomplete++;
          continue;
        }
        lastRecipient.record(Math.max(...times) - sentAt);
        acceptToDispatcher.record(acceptedAt - acceptCall);
        createAnswered.record(answeredAt.get(offerId)! - sentAt);
        acceptAnswered.record(acceptAnswer - acceptCall);
      }
      return {
        lastRecipientMs: lastRecipient.summary(),
        acceptToDispatcherMs: acceptToDispatcher.summary(),
        createAnsweredMs: createAnswered.summary(),
        acceptAnsweredMs: acceptAnswered.summary(),
        incomplete,
      };
    };
    const measured = timings(run);
    return {
      drivers: drivers.length,
      dispatchers: dispatchers.length,
      recipients: settings.recipients,
      offeredPerS: settings.offersPerSecond,
      offersPerS: run.created.length / run.sendingSeconds,
      created: run.created.length,
      ...measured,
      cold: warmUp ? { seconds: settings.warmupSeconds, ...timings(warmUp) } : null,
      serverCpuPct,
      serverCpuMsPerOffer: run.created.length > 0 ? (cpuSeconds * 1000) / run.created.length : Number.NaN,
      mysqlCpuMsPerOffer: mysqlCpuSeconds === null || run.created.length === 0 ? null : (mysqlCpuSeconds * 1000) / run.created.length,
      errors,
    };
  } finally {
    await Promise.all([desk!, ...fleet].map((worker) => worker.stop()));
    await server.stop();
  }
}
