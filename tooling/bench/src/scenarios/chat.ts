import type { BenchContext } from "../context";
import type { BenchOptions } from "../options";
import { CpuMeter } from "../proc";
import { floorToken } from "../floor/chatMessages";
import type { Account, ErrorCounts } from "../protocol";
import { mergeErrors } from "../roles/clients";
import { Histogram, type HistogramData, type Summary } from "../stats";
import { split, startWorkers } from "../workerPool";
import { startFloorServer, type ChatFloorKind } from "./floor";

export interface ChatResult {
  threads: number;
  dispatchers: number;
  /** The rate asked for, messages per second in total. */
  offeredPerS: number;
  /** The rate sent, messages per second: those sent ÷ the longest sending window of a load process. */
  messagesPerS: number;
  /** chat.send call → the other side's chat.events message, ms. */
  latencyMs: Summary;
  /** chat.typing call → the other side's typing event, ms. */
  typingLatencyMs: Summary;
  sent: number;
  received: number;
  serverCpuPct: number;
  /** Server CPU time per message sent, its typing notice and both deliveries included, ms. */
  serverCpuMsPerMessage: number;
  /** Highest resident memory of the server process, MiB; null for the chat floor's server. */
  serverPeakRssMiB: number | null;
  /** The busiest load process: CPU, % of one core, and event-loop delay p99, ms. */
  loadGenerator: { cpuPct: number; loopDelayP99Ms: number };
  errors: ErrorCounts;
}

/** Load-generating processes: one would spend a whole core on 2,000 messages a second. */
const WORKERS = 2;

/**
 * The chat server's own budgets: the run's dispatchers each send ~rate / 2 / dispatchers
 * messages a second, far above a person's default (10 per 10 s). The defaults stay as they are.
 */
const CHAT_SERVER_ENV = { CHAT_MESSAGES_PER_10S: "1000000000", MUTATIONS_PER_10S: "1000000000" };

/** Where a chat run sends its load: Convoy's server, or the chat floor's bare one. */
interface ChatTarget {
  pid: number;
  url: string;
  /** How the load processes open their threads there. */
  prepare: "chat.prepare" | "chat.prepareFloor";
  dispatchers: Account[];
  drivers: Account[];
  /** Highest resident memory of the server process, MiB; null where not watched. */
  peakRssMiB: () => number | null;
}

/**
 * `threads` offers with one recipient each, spread over `dispatchers`; both sides of every
 * thread subscribe to `chat.events` and send over their WebSocket; messages flow at the set
 * rate in total, sides alternating, each announced by a typing notice first. The threads are
 * split over `WORKERS` processes, each thread whole in one (latency is read on one clock).
 */
export async function runChat(context: BenchContext, settings: BenchOptions["chat"]): Promise<ChatResult> {
  const drivers = context.take("driver", settings.threads);
  const dispatchers = context.take("dispatcher", Math.min(settings.dispatchers, settings.threads));
  const server = await context.startServer(`chat-${settings.messagesPerSecond}`, CHAT_SERVER_ENV);
  try {
    const target = {
      pid: server.pid,
      url: server.url,
      prepare: "chat.prepare",
      dispatchers,
      drivers,
      peakRssMiB: () => server.peakRssKiB() / 1024,
    } as const;
    return await measureChat(target, settings);
  } finally {
    await server.stop();
  }
}

/**
 * The chat floor: the same threads, frames and rate on a bare `ws` server that moves them
 * and does nothing else (`floor/chatServer.ts`), or through tRPC's adapter with procedures
 * shaped as Convoy's and no work behind them (`floor/trpcChatServer.ts`). The first is what
 * no chat server can go below on this machine; the second, what tRPC adds to it.
 */
export async function runChatFloor(settings: BenchOptions["chat"], kind: ChatFloorKind = "chat"): Promise<ChatResult> {
  const server = await startFloorServer(kind);
  const dispatcherCount = Math.min(settings.dispatchers, settings.threads);
  const account = (id: number): Account => ({ id, token: floorToken(id) });
  try {
    const target = {
      pid: server.pid,
      url: server.url.replace(/^ws/, "http"),
      prepare: "chat.prepareFloor",
      dispatchers: Array.from({ length: dispatcherCount }, (_, i) => account(i + 1)),
      drivers: Array.from({ length: settings.threads }, (_, i) => account(dispatcherCount + i + 1)),
      peakRssMiB: () => null,
    } as const;
    return await measureChat(target, settings);
  } finally {
    server.stop();
  }
}

async function measureChat(target: ChatTarget, settings: BenchOptions["chat"]): Promise<ChatResult> {
  const { dispatchers, drivers } = target;
  const dispatcherParts = split(dispatchers, Math.min(WORKERS, dispatchers.length));
  const driverParts = split(drivers, dispatcherParts.length);
  const workers = startWorkers(dispatcherParts.length);
  try {
    const prepared = await Promise.all(
      workers.map((worker, i) => worker.call(target.prepare, { url: target.url, dispatchers: dispatcherParts[i]!, drivers: driverParts[i]! })),
    );
    const run = (seconds: number) =>
      Promise.all(
        workers.map((worker, i) =>
          worker.call("chat.run", {
            seconds,
            messagesPerSecond: (settings.messagesPerSecond * driverParts[i]!.length) / drivers.length,
            typingLeadMs: settings.typingLeadMs,
          }),
        ),
      );
    // At the rate, unmeasured: a fresh server's first sends compile code and learn each
    // thread's members from MySQL, once.
    if (settings.warmupSeconds > 0) await run(settings.warmupSeconds);
    const cpu = new CpuMeter([target.pid]);
    const results = await run(settings.seconds);
    const cpuSeconds = cpu.cpuSeconds();
    const serverCpuPct = cpu.percent();
    const merge = (pick: (result: (typeof results)[number]) => HistogramData) => {
      const merged = Histogram.from(pick(results[0]!));
      for (const result of results.slice(1)) merged.merge(Histogram.from(pick(result)));
      return merged.summary();
    };
    const sent = results.reduce((sum, result) => sum + result.sent, 0);
    const errors: ErrorCounts = {};
    for (const result of results) mergeErrors(errors, result.errors);
    return {
      threads: prepared.reduce((sum, part) => sum + part.threads, 0),
      dispatchers: dispatchers.length,
      offeredPerS: settings.messagesPerSecond,
      messagesPerS: sent / Math.max(...results.map((result) => result.sendingSeconds)),
      latencyMs: merge((result) => result.latency),
      typingLatencyMs: merge((result) => result.typingLatency),
      sent,
      received: results.reduce((sum, result) => sum + result.received, 0),
      serverCpuPct,
      serverCpuMsPerMessage: sent > 0 ? (cpuSeconds * 1000) / sent : Number.NaN,
      serverPeakRssMiB: target.peakRssMiB(),
      loadGenerator: {
        cpuPct: Math.max(...results.map((result) => result.cpuPct)),
        loopDelayP99Ms: Math.max(...results.map((result) => result.loopDelayP99Ms)),
      },
      errors,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}
