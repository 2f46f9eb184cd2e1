import type { BenchContext } from "../context";
import type { BenchOptions } from "../options";
import { CpuMeter } from "../proc";
import type { ErrorCounts } from "../protocol";
import { Histogram, type Summary } from "../stats";
import { startWorkers } from "../workerPool";

export interface ChatResult {
  threads: number;
  messagesPerS: number;
  /** chat.send call → the other side's chat.events message, ms. */
  latencyMs: Summary;
  /** chat.typing call → the other side's typing event, ms. */
  typingLatencyMs: Summary;
  sent: number;
  received: number;
  serverCpuPct: number;
  errors: ErrorCounts;
}

/**
 * `threads` offers with one recipient each, spread over `dispatchers`; both sides of every
 * thread subscribe to `chat.events`; messages flow at the set rate in total, sides
 * alternating, each announced by a typing notice first.
 */
export async function runChat(context: BenchContext, settings: BenchOptions["chat"]): Promise<ChatResult> {
  const drivers = context.take("driver", settings.threads);
  const dispatchers = context.take("dispatcher", Math.min(settings.dispatchers, settings.threads));
  const server = await context.startServer("chat");
  const [worker] = startWorkers(1);
  try {
    const { threads } = await worker!.call("chat.prepare", { url: server.url, dispatchers, drivers });
    const cpu = new CpuMeter([server.pid]);
    const result = await worker!.call("chat.run", {
      seconds: settings.seconds,
      messagesPerSecond: settings.messagesPerSecond,
      typingLeadMs: settings.typingLeadMs,
    });
    const serverCpuPct = cpu.percent();
    return {
      threads,
      messagesPerS: result.sent / settings.seconds,
      latencyMs: Histogram.from(result.latency).summary(),
      typingLatencyMs: Histogram.from(result.typingLatency).summary(),
      sent: result.sent,
      received: result.received,
      serverCpuPct,
      errors: result.errors,
    };
  } finally {
    await worker!.stop();
    await server.stop();
  }
}
