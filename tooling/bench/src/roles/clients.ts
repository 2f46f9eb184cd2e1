import WebSocket from "ws";
import { createConvoyClient, createPositionReporter, TRPCClientError, type ConvoyClient, type PositionReporter } from "@convoy/client";
import type { ErrorCounts, ReportTransport } from "../protocol";
import { closeWires } from "./wireClient";

/** Every client a worker opened, so `close` can end them all. */
const opened = new Set<ConvoyClient>();
const reporters = new Set<PositionReporter>();

/**
 * A Convoy client for one account, made the only way the benchmark talks to the server.
 * `transport: "socket"` sends queries and mutations over the WebSocket too. Except over HTTP the
 * socket stays open between calls: a lazy one closes after 10 s without a call, and a fleet's
 * drivers then wait out the riders' setup (~30 s) and all reconnect in the first second of
 * the run, which measured a connection storm (8 s of a saturated server) instead of steady
 * reporting. `batch: false` sends each HTTP call as its own request, at once.
 */
export function connect(url: string, token: string, transport: ReportTransport = "http", batch = true): ConvoyClient {
  const client = createConvoyClient({
    url,
    token,
    WebSocket,
    batch,
    socketFor: transport === "socket" ? "all" : "subscriptions",
    // A driver app holds its tRPC socket (offers, chat) beside the position socket.
    lazy: transport === "http",
  });
  opened.add(client);
  return client;
}

/** A driver's position reporter (the position socket), closed by `closeAll` too. */
export function openReporter(url: string, token: string): PositionReporter {
  const reporter = createPositionReporter({ url, token, WebSocket });
  reporters.add(reporter);
  return reporter;
}

export async function closeAll(): Promise<void> {
  closeWires();
  for (const reporter of reporters) reporter.close();
  reporters.clear();
  const clients = [...opened];
  opened.clear();
  await Promise.allSettled(clients.map((client) => client.close()));
}

/** The tRPC error code of a failed call, or "network" when no response came back. */
export function errorCode(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const data = (error as TRPCClientError<never>).data as { code?: unknown } | undefined;
    if (typeof data?.code === "string") return data.code;
    return error.message.slice(0, 60);
  }
  return error instanceof Error ? error.message.slice(0, 60) : "unknown";
}

export function countError(errors: ErrorCounts, error: unknown): void {
  const code = errorCode(error);
  errors[code] = (errors[code] ?? 0) + 1;
}

/** Adds `from`'s counts into `into`; returns `into`. */
export function mergeErrors(into: ErrorCounts, from: ErrorCounts): ErrorCounts {
  for (const [code, count] of Object.entries(from)) into[code] = (into[code] ?? 0) + count;
  return into;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Calls `start(k)` for k = 0 … total − 1 at `perSecond`, paced from the start time: whatever
 * is due goes at once, and the loop sleeps only while it is ahead. (A sleep before every call
 * would cap the rate below 1,000 a second per process: a timer waits at least 1 ms.)
 * Resolves with the seconds from the first call to the last, the window the rate was offered in.
 */
export async function pace(total: number, perSecond: number, start: (k: number) => void): Promise<number> {
  const startedAt = performance.now();
  for (let k = 0; k < total; k++) {
    const wait = startedAt + (k * 1000) / perSecond - performance.now();
    if (wait > 0) await sleep(wait);
    start(k);
  }
  return (performance.now() - startedAt) / 1000;
}

/** Runs `task` over `items` with at most `concurrency` at once. */
export async function forEachLimited<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  });
  await Promise.all(lanes);
}
