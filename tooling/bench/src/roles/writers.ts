import { DEMO_CITY } from "@convoy/db";
import type { ConvoyClient } from "@convoy/client";
import type { Account, ErrorCounts, ReportTransport, WritersResult, WritersRun } from "../protocol";
import { Histogram } from "../stats";
import { connect, countError, sleep } from "./clients";

/** Batches one driver may have unanswered; past it the driver skips a beat. */
const MAX_IN_FLIGHT = 2;
let writers: { id: number; client: ConvoyClient }[] = [];

export function prepareWriters(url: string, accounts: readonly Account[], transport: ReportTransport): number {
  writers = accounts.map((account) => ({ id: account.id, client: connect(url, account.token, transport) }));
  return writers.length;
}

/**
 * Every driver sends `batchesPerSecond` reports of `pointsPerBatch` points from `startAt`
 * to `stopAt`. Points are 1 ms apart from `firstRecordedAt`: unique per driver (the table's
 * key) and, at 550 per second, falling further behind the clock, so always in range.
 */
export async function runWriters(run: WritersRun): Promise<WritersResult> {
  const errors: ErrorCounts = {};
  const latency = new Histogram(0.1);
  let batchesOk = 0;
  let pointsAccepted = 0;
  let skipped = 0;
  const periodMs = 1000 / run.batchesPerSecond;

  await Promise.all(
    writers.map(async (writer, index) => {
      let nextRecordedAt = run.firstRecordedAt;
      let inFlight = 0;
      const calls = new Set<Promise<void>>();
      let due = run.startAt + (index / writers.length) * periodMs;
      while (due < run.stopAt) {
        await sleep(due - Date.now());
        due += periodMs;
        if (inFlight >= MAX_IN_FLIGHT) {
          skipped++;
          continue;
        }
        const points = Array.from({ length: run.pointsPerBatch }, (_, i) => ({
          lat: DEMO_CITY.lat + (index % 50) * 0.001 + i * 0.00001,
          lng: DEMO_CITY.lng + Math.floor(index / 50) * 0.001,
          accuracyM: 5,
          headingDeg: 90,
          speedMps: 10,
          recordedAt: nextRecordedAt + i,
        }));
        nextRecordedAt += run.pointsPerBatch;
        const started = performance.now();
        inFlight++;
        const call = writer.client.api.tracking.report
          .mutate({ points })
          .then(
            (result) => {
              batchesOk++;
              pointsAccepted += result.accepted;
              latency.record(performance.now() - started);
            },
            (error: unknown) => countError(errors, error),
          )
          .finally(() => {
            inFlight--;
            calls.delete(call);
          });
        calls.add(call);
      }
      await Promise.allSettled([...calls]);
    }),
  );
  return { batchesOk, pointsAccepted, skipped, errors, latency: latency.toJSON() };
}
