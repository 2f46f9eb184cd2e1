import type { BenchContext } from "../context";
import { CpuMeter } from "../proc";
import type { ErrorCounts } from "../protocol";
import { closeAll, connect, mergeErrors, sleep } from "../roles/clients";
import { percentile } from "../stats";
import { split, startWorkers } from "../workerPool";

export interface IdleResult {
  connections: number;
  failed: number;
  /** Distinct accounts behind the connections (tokens are reused round-robin). */
  accounts: number;
  serverRssBeforeMiB: number;
  serverRssAfterMiB: number;
  /** (RSS with every connection − RSS before) / connections. */
  serverKiBPerConn: number;
  /** Server CPU while the connections sit idle (keep-alive pings), % of one core. */
  serverCpuPct: number;
  /** `auth.me` round trips while every connection is open, ms. */
  queryMs: { p50: number; p99: number; max: number };
  connectSeconds: number;
  errors: ErrorCounts;
}

/** Median of a few RSS samples a quarter second apart, in KiB, to smooth GC moments. */
async function settledRss(read: () => number, samples = 8): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    values.push(read());
    await sleep(250);
  }
  return percentile(values, 50);
}

/**
 * Opens `connections` authenticated sockets, each holding one live `offers.events`
 * subscription, from several processes; measures what each costs the server in memory and
 * whether it still answers promptly. Accounts are reused when there are fewer than
 * connections, as when one user has several tabs open.
 */
export async function runIdle(context: BenchContext, settings: { connections: number; workers: number }): Promise<IdleResult> {
  const pool = [...context.accounts.driver, ...context.accounts.dispatcher];
  if (pool.length === 0) throw new Error("idle needs at least one driver or dispatcher account");
  const tokens = Array.from({ length: settings.connections }, (_, i) => pool[i % pool.length]!.token);
  const server = await context.startServer("idle");
  const workers = startWorkers(settings.workers);
  try {
    // Warm the server's code paths with a few connections first, then take the baseline.
    const prober = connect(server.url, context.take("dispatcher", 1)[0]!.token);
    for (let i = 0; i < 20; i++) await prober.api.auth.me.query();
    await sleep(2_000);
    const before = await settledRss(server.rssKiB);

    const connectStarted = performance.now();
    const parts = split(tokens, workers.length);
    const results = await Promise.all(parts.map((part, i) => workers[i]!.call("idle.connect", { url: server.url, tokens: part, concurrency: 100 })));
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    await sleep(3_000);
    const cpu = new CpuMeter([server.pid]);
    const after = await settledRss(server.rssKiB, 20);
    const serverCpuPct = cpu.percent();

    const queryTimes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      await prober.api.auth.me.query();
      queryTimes.push(performance.now() - started);
    }
    const connected = results.reduce((sum, result) => sum + result.connected, 0);
    const errors: ErrorCounts = {};
    for (const result of results) mergeErrors(errors, result.errors);
    return {
      connections: connected,
      failed: results.reduce((sum, result) => sum + result.failed, 0),
      accounts: Math.min(pool.length, settings.connections),
      serverRssBeforeMiB: before / 1024,
      serverRssAfterMiB: after / 1024,
      serverKiBPerConn: connected > 0 ? (after - before) / connected : Number.NaN,
      serverCpuPct,
      queryMs: { p50: percentile(queryTimes, 50), p99: percentile(queryTimes, 99), max: Math.max(...queryTimes) },
      connectSeconds,
      errors,
    };
  } finally {
    await closeAll();
    await Promise.all(workers.map((worker) => worker.stop()));
    await server.stop();
  }
}
