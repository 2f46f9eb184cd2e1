import type { IncomingMessage, ServerResponse } from "node:http";
import { TokenBucket } from "@convoy/api/server";
import { refusalShape } from "./errorShape";
import { overBudgetMessage, type CallBudgets } from "./settings";

/** Most HTTP clients whose buckets are kept; past it the longest-known one is forgotten. */
const MAX_TRACKED_CLIENTS = 10_000;

interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * How many calls a `/trpc/...` request carries: one, or one per path of a batch
 * (`?batch=1`), counted as tRPC will split them, after percent-decoding.
 */
export function callsInRequest(url: string): number {
  const queryAt = url.indexOf("?");
  if (queryAt === -1 || new URLSearchParams(url.slice(queryAt + 1)).get("batch") !== "1") return 1;
  const start = url.indexOf("/trpc/") + "/trpc/".length;
  let paths: string;
  try {
    paths = decodeURIComponent(url.slice(start, queryAt));
  } catch {
    // tRPC refuses a path it cannot decode, before any call runs.
    return 1;
  }
  let calls = 1;
  for (let index = 0; index < paths.length; index++) if (paths.charCodeAt(index) === 0x2c) calls++;
  return calls;
}

/**
 * The HTTP side of the call budget, checked before tRPC reads the body: a batch carries at
 * most `maxBatchCalls` calls, and each client spends one token per call from its bucket. A
 * client is the session its bearer token names, or its remote address when it sends no
 * valid one (behind a proxy, that is the proxy's: anonymous calls then share one budget).
 * A made-up token therefore buys no bucket of its own, and cannot push real clients'
 * buckets out of the table.
 */
export class HttpCallBudget {
  private readonly buckets = new Map<string, TokenBucket>();
  private batchesRefused = 0;
  private overBudgetRefused = 0;

  /**
   * @param clientOf the client a bearer token names (`session:<id>` when its signature and
   *   expiry check out, a cached lookup for a token seen before), else null.
   */
  constructor(
    private readonly budgets: CallBudgets,
    private readonly clientOf: (token: string) => string | null,
  ) {}

  /** Requests refused for carrying more than `maxBatchCalls` calls, since start. */
  get refusedBatches(): number {
    return this.batchesRefused;
  }

  /** Requests refused for being over their client's budget, since start. */
  get refusedOverBudget(): number {
    return this.overBudgetRefused;
  }

  /**
   * Answers the request with a tRPC error and returns true when it is over budget; returns
   * false, having written nothing, when it may go on to tRPC.
   */
  refuse(request: IncomingMessage, response: ServerResponse): boolean {
    const refusal = this.check(request);
    if (!refusal) return false;
    response.writeHead(refusal.status, { "content-type": "application/json", ...refusal.headers });
    response.end(refusal.body);
    return true;
  }

  private check(request: IncomingMessage): Refusal | null {
    const calls = callsInRequest(request.url ?? "/");
    const { maxBatchCalls } = this.budgets;
    if (calls > maxBatchCalls) {
      this.batchesRefused++;
      const message = `A batch may carry at most ${maxBatchCalls} calls; this one carries ${calls}. Send fewer calls per request.`;
      return { status: 400, headers: {}, body: JSON.stringify({ error: refusalShape("BAD_REQUEST", message) }) };
    }
    const bucket = this.bucketOf(this.clientKey(request));
    if (bucket.take(Date.now(), calls)) return null;
    this.overBudgetRefused++;
    const retryInMs = Math.max(bucket.msUntilNext(), 1);
    const message = overBudgetMessage(this.budgets, retryInMs, "this client");
    return {
      status: 429,
      headers: { "retry-after": String(Math.ceil(retryInMs / 1000)) },
      body: JSON.stringify({ error: refusalShape("TOO_MANY_REQUESTS", message) }),
    };
  }

  private bucketOf(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket) return bucket;
    if (this.buckets.size >= MAX_TRACKED_CLIENTS) this.buckets.delete(this.buckets.keys().next().value!);
    bucket = new TokenBucket(this.budgets.burst, this.budgets.callsPerSecond);
    this.buckets.set(key, bucket);
    return bucket;
  }

  private clientKey(request: IncomingMessage): string {
    const header = request.headers.authorization;
    const client = header?.startsWith("Bearer ") ? this.clientOf(header.slice(7)) : null;
    return client ?? `address:${request.socket.remoteAddress ?? "unknown"}`;
  }
}
