import type { BenchContext } from "../context";
import { CpuMeter } from "../proc";
import type { CallProcedure, CallTransport, ErrorCounts } from "../protocol";
import { sleep } from "../roles/clients";
import { Histogram } from "../stats";
import { startWorkers } from "../workerPool";

export interface CallsCell {
  procedure: CallProcedure;
  transport: CallTransport;
  concurrency: number;
  calls: number;
  /**
   * Server CPU (user + system) per call, ms, less what the idle server would have used in
   * the same time (its timers and heartbeats): the figure the target is about.
   */
  serverCpuMsPerCall: number;
  /** The same without taking the idle server's share out. */
  rawServerCpuMsPerCall: number;
  /** User mode only (Convoy, tRPC, V8, GC), raw. */
  serverUserMsPerCall: number;
  callsPerS: number;
  latencyMs: { p50: number; p99: number };
  errors: ErrorCounts;
}

export interface CallsResult {
  /** Server CPU while nothing calls it (timers, heartbeats), % of one core: taken out of every cell. */
  idleServerCpuPct: number;
  cells: CallsCell[];
}

const PROCEDURES: CallProcedure[] = ["healthz", "auth.me", "drivers.list", "chat.send"];
const TRANSPORTS: CallTransport[] = ["http", "socket"];
/** Unmeasured calls before each cell, so V8 has compiled the path being measured. */
const WARMUP_CALLS = 500;

/**
 * What one call costs the server before and while it does its work: from a separate
 * process, `count` calls of each procedure over HTTP (keep-alive) and over the WebSocket,
 * one at a time and then `concurrency` at a time, with the server's CPU time read from
 * /proc before and after each. `healthz` (HTTP only, liveness: nothing outside the process) is the
 * floor: an HTTP request and its answer, without tRPC, a token or MySQL.
 */
export async function runCalls(context: BenchContext, settings: { count: number; concurrency: number }): Promise<CallsResult> {
  const [dispatcher] = context.take("dispatcher", 1);
  const [driver] = context.take("driver", 1);
  // chat.send and its per-user limits are measured here, not refused.
  const server = await context.startServer("calls", { CHAT_MESSAGES_PER_10S: "1000000000", MUTATIONS_PER_10S: "1000000000" });
  const [worker] = startWorkers(1);
  try {
    await worker!.call("calls.prepare", { url: server.url, dispatcher: dispatcher!, driver: driver! });
    await sleep(1_000);
    const idle = new CpuMeter([server.pid]);
    await sleep(5_000);
    const idleServerCpuPct = idle.percent();

    const cells: CallsCell[] = [];
    for (const procedure of PROCEDURES) {
      for (const transport of TRANSPORTS) {
        if (procedure === "healthz" && transport === "socket") continue;
        for (const concurrency of [...new Set([1, settings.concurrency])]) {
          await worker!.call("calls.run", { procedure, transport, count: WARMUP_CALLS, concurrency });
          const cpu = new CpuMeter([server.pid]);
          const result = await worker!.call("calls.run", { procedure, transport, count: settings.count, concurrency });
          const { user, system } = cpu.split();
          const idleSeconds = (idleServerCpuPct / 100) * cpu.elapsedSeconds();
          const latency = Histogram.from(result.latency);
          cells.push({
            procedure,
            transport,
            concurrency,
            calls: result.calls,
            serverCpuMsPerCall: (Math.max(0, user + system - idleSeconds) * 1000) / result.calls,
            rawServerCpuMsPerCall: ((user + system) * 1000) / result.calls,
            serverUserMsPerCall: (user * 1000) / result.calls,
            callsPerS: (result.calls * 1000) / result.wallMs,
            latencyMs: { p50: latency.percentile(50), p99: latency.percentile(99) },
            errors: result.errors,
          });
        }
      }
    }
    return { idleServerCpuPct, cells };
  } finally {
    await worker!.stop();
    await server.stop();
  }
}

/** The cell a target reads: one procedure over one transport, calls one at a time. */
export function sequentialCell(result: CallsResult | undefined, procedure: CallProcedure, transport: CallTransport): CallsCell | undefined {
  return result?.cells.find((cell) => cell.procedure === procedure && cell.transport === transport && cell.concurrency === 1);
}
