import { DEMO_CITY } from "@convoy/db";
import { MAX_OFFER_RECIPIENTS } from "@convoy/api/schemas";
import type { BenchContext } from "../context";
import { closeAll, connect, sleep } from "../roles/clients";
import { percentile, type Summary } from "../stats";
import { split, startWorkers } from "../workerPool";

export interface BroadcastResult {
  drivers: number;
  rounds: number;
  /** Unmeasured rounds before `rounds`; see `runBroadcast`. */
  warmupRounds: number;
  /** `allReceivedMs` of each warm-up round, in order; not part of the summaries. */
  warmupAllReceivedMs: number[];
  /** `allReceivedMs` of each measured round, in order. */
  allReceivedMsByRound: number[];
  /** offers.create calls per round: the API caps recipients per offer. */
  offersPerRound: number;
  /** First create call → the last driver's `offer.received`, ms, one sample per round. */
  allReceivedMs: Summary;
  /** First create call → the first driver's `offer.received`, ms. */
  firstReceivedMs: Summary;
  /** First create call → the last create call's response (the offer committed and read back), ms. */
  createdMs: Summary;
  /** Deliveries that did not arrive within 10 s, over all rounds (warm-up included). */
  missing: number;
}

function summarize(samples: number[]): Summary {
  return {
    count: samples.length,
    min: Math.min(...samples),
    mean: samples.reduce((sum, value) => sum + value, 0) / samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    max: Math.max(...samples),
  };
}

/**
 * `drivers` drivers (in two processes) subscribe to `offers.events`; a dispatcher (this
 * process) offers one load to all of them at once, `rounds` times. An offer may name at most
 * MAX_OFFER_RECIPIENTS drivers; above that a round sends several offers at the same moment.
 *
 * The first `warmupRounds` rounds are not measured: the server process is fresh, and its
 * first offers run through code V8 has not optimized yet and a heap still growing to its
 * working size (rounds fall from ~150 ms to ~65 ms over the first five or so). A server in
 * service has made its first offers long ago. Their times are still reported, in
 * `warmupAllReceivedMs`.
 */
export async function runBroadcast(
  context: BenchContext,
  settings: { drivers: number; rounds: number; warmupRounds: number },
): Promise<BroadcastResult> {
  const drivers = context.take("driver", settings.drivers);
  const [dispatcherAccount] = context.take("dispatcher", 1);
  const server = await context.startServer("broadcast");
  const workers = startWorkers(2);
  try {
    const parts = split(drivers, workers.length);
    await Promise.all(parts.map((accounts, i) => workers[i]!.call("broadcast.subscribe", { url: server.url, accounts })));
    const dispatcher = connect(server.url, dispatcherAccount!.token);
    const groups = split(
      drivers.map((driver) => driver.id),
      Math.ceil(drivers.length / MAX_OFFER_RECIPIENTS),
    );
    const all: number[] = [];
    const first: number[] = [];
    const created: number[] = [];
    const warmup: number[] = [];
    let missing = 0;
    for (let round = 0; round < settings.warmupRounds + settings.rounds; round++) {
      const measured = round >= settings.warmupRounds;
      const sentAt = Date.now();
      const offers = await Promise.all(
        groups.map((driverIds) =>
          dispatcher.api.offers.create.mutate({
            driverIds,
            pickup: { address: "10 Broadcast Way", lat: DEMO_CITY.lat, lng: DEMO_CITY.lng },
            dropoff: { address: "20 Broadcast Way", lat: DEMO_CITY.lat + 0.05, lng: DEMO_CITY.lng },
            weightKg: 1_000,
            dimensions: { lengthCm: 200, widthCm: 100, heightCm: 100 },
            rateCents: 75_000,
            notes: `broadcast round ${round + 1}`,
            expiresInSeconds: 600,
          }),
        ),
      );
      const createdAfter = Date.now() - sentAt;
      const offerIds = offers.map((offer) => offer.id);
      const receipts = await Promise.all(
        parts.map((accounts, i) => workers[i]!.call("broadcast.await", { offerIds, expected: accounts.length, timeoutMs: 10_000 })),
      );
      missing += parts.reduce((sum, accounts, i) => sum + accounts.length - receipts[i]!.received, 0);
      const allReceived = Math.max(...receipts.map((receipt) => receipt.last)) - sentAt;
      if (measured) {
        all.push(allReceived);
        first.push(Math.min(...receipts.map((receipt) => receipt.first)) - sentAt);
        created.push(createdAfter);
      } else {
        warmup.push(allReceived);
      }
      await sleep(300);
    }
    return {
      drivers: drivers.length,
      rounds: settings.rounds,
      warmupRounds: settings.warmupRounds,
      warmupAllReceivedMs: warmup,
      allReceivedMsByRound: all,
      offersPerRound: groups.length,
      allReceivedMs: summarize(all),
      firstReceivedMs: summarize(first),
      createdMs: summarize(created),
      missing,
    };
  } finally {
    await closeAll();
    await Promise.all(workers.map((worker) => worker.stop()));
    await server.stop();
  }
}
