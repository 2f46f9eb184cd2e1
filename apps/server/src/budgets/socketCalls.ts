import type { RawData, WebSocket } from "ws";
import { TokenBucket } from "@convoy/api/server";
import { refusalShape } from "./errorShape";
import { overBudgetMessage, type CallBudgets } from "./settings";

/** Close code for a socket that keeps sending past its budget (RFC 6455: policy violation). */
export const OVER_BUDGET_CLOSE_CODE = 1008;

/** One parsed call's identity, for answering it: tRPC's client matches replies by `id`. */
interface CallHead {
  id: string | number | null;
  jsonrpc?: "2.0";
  method: unknown;
  path?: string;
}

const OPEN_BRACKET = 0x5b;

/** Index of the first byte that is not JSON whitespace (space, tab, LF, CR). */
function firstSignificantByte(data: Buffer): number {
  for (let index = 0; index < data.length; index++) {
    const byte = data[index]!;
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return byte;
  }
  return -1;
}

function parseFrame(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

function headOf(message: unknown): CallHead {
  if (typeof message !== "object" || message === null) return { id: null, method: undefined };
  const { id, jsonrpc, method, params } = message as Record<string, unknown>;
  const path = typeof params === "object" && params !== null ? (params as Record<string, unknown>).path : undefined;
  return {
    id: typeof id === "string" || typeof id === "number" ? id : null,
    jsonrpc: jsonrpc === "2.0" ? "2.0" : undefined,
    method,
    path: typeof path === "string" ? path.slice(0, 200) : undefined,
  };
}

function callType(method: unknown): "query" | "mutation" | "subscription" | "unknown" {
  return method === "query" || method === "mutation" || method === "subscription" ? method : "unknown";
}

/** Most clients remembered as recently closed for their budget; past it the oldest is forgotten. */
const MAX_PENALISED = 10_000;

/** Who a socket belongs to, for carrying a penalty over to its next socket. */
function clientKeyOf(firstFrame: unknown, address: string): string {
  if (typeof firstFrame === "object" && firstFrame !== null) {
    const { method, data } = firstFrame as Record<string, unknown>;
    const token = method === "connectionParams" && typeof data === "object" && data !== null ? (data as Record<string, unknown>).token : undefined;
    if (typeof token === "string" && token.length > 0) return token.slice(0, 4_096);
  }
  return `address:${address}`;
}

/**
 * Puts tRPC WebSockets on a call budget, before tRPC's own message handler sees a frame:
 * each frame spends one token from its socket's bucket, a batch frame (a JSON array) one
 * per call in it. A frame over budget never reaches tRPC: each call in it is answered with
 * TOO_MANY_REQUESTS under its own id (a frame that is not a call, under id null). A frame of
 * `subscription.stop`s alone is still let through, since it only ends work, but counts as a
 * refusal. After `refusalsBeforeClose` refusals within `refusalWindowMs` the socket is closed
 * with 1008.
 *
 * A client closed for its budget does not get a fresh burst by reconnecting: for
 * `refusalWindowMs` its next sockets (the same token from `connectionParams`, or the same
 * remote address without one) start with an empty bucket and get only the refill.
 *
 * The check sits on the socket's `emit`, the one place every listener (tRPC's handler and
 * its keep-alive) is reached from, so a refused frame reaches none of them. Within budget it
 * costs a clock read, and a JSON parse for a socket's first frame and for a frame starting
 * with `[` (to count its calls).
 */
export class SocketCallBudgets {
  /** Client key → until when (epoch ms) its new sockets start with an empty bucket. */
  private readonly penalised = new Map<string, number>();
  private framesRefused = 0;
  private socketsClosed = 0;

  /** @param onClosed called when a socket is closed for its budget (for a log line). */
  constructor(
    private readonly budgets: CallBudgets,
    private readonly onClosed?: (address: string) => void,
  ) {}

  /** Frames refused (answered TOO_MANY_REQUESTS, or a lone stop let through as a refusal), since start. */
  get refusedFrames(): number {
    return this.framesRefused;
  }

  /** Sockets closed with 1008 for calling past their budget, since start. */
  get closedSockets(): number {
    return this.socketsClosed;
  }

  /** Starts counting `socket`'s frames; call before tRPC's handler gets the socket. */
  watch(socket: WebSocket, address: string): void {
    const { budgets } = this;
    const bucket = new TokenBucket(budgets.burst, budgets.callsPerSecond);
    let clientKey: string | null = null;
    let refusals = 0;
    let windowStartedAt = 0;
    let closed = false;
    const emit = socket.emit.bind(socket);

    const reply = (head: CallHead, message: string) => {
      const error = refusalShape("TOO_MANY_REQUESTS", message, callType(head.method), head.path);
      socket.send(JSON.stringify(head.jsonrpc ? { id: head.id, jsonrpc: head.jsonrpc, error } : { id: head.id, error }));
    };

    /** Whether the frame may go on to tRPC. */
    const admit = (data: RawData, isBinary: boolean): boolean => {
      if (closed) return false;
      const now = Date.now();
      const buffer = Buffer.isBuffer(data) && !isBinary ? data : null;
      let parsed: unknown;
      if (clientKey === null) {
        parsed = buffer ? parseFrame(buffer) : undefined;
        clientKey = clientKeyOf(parsed, address);
        if ((this.penalised.get(clientKey) ?? 0) > now) bucket.take(now, budgets.burst);
        // tRPC reads the first frame of a `?connectionParams=1` socket as its credentials and
        // every later one as a call: dropping it would turn the next call into credentials.
        if ((parsed as { method?: unknown } | undefined)?.method === "connectionParams") {
          bucket.take(now);
          return true;
        }
      }
      let cost = 1;
      if (buffer && (parsed !== undefined || firstSignificantByte(buffer) === OPEN_BRACKET)) {
        parsed ??= parseFrame(buffer);
        if (Array.isArray(parsed)) cost = Math.max(1, parsed.length);
      }
      if (bucket.take(now, cost)) return true;

      if (now - windowStartedAt > budgets.refusalWindowMs) {
        windowStartedAt = now;
        refusals = 0;
      }
      refusals++;
      this.framesRefused++;
      if (refusals > budgets.refusalsBeforeClose) {
        closed = true;
        this.socketsClosed++;
        this.penalise(clientKey, now + budgets.refusalWindowMs);
        socket.close(OVER_BUDGET_CLOSE_CODE, "too many calls");
        this.onClosed?.(address);
        return false;
      }
      if (parsed === undefined && buffer) parsed = parseFrame(buffer);
      const messages = Array.isArray(parsed) ? parsed : [parsed];
      const heads = messages.map(headOf);
      if (heads.length > 0 && heads.every((head) => head.method === "subscription.stop")) return true;
      const message = overBudgetMessage(budgets, Math.max(bucket.msUntilNext(), 1), "this connection");
      for (const head of heads) reply(head, message);
      return false;
    };

    socket.emit = function emitWithinBudget(event: string | symbol, ...args: unknown[]): boolean {
      if (event === "message" && !admit(args[0] as RawData, args[1] as boolean)) return false;
      return emit(event, ...args);
    } as typeof socket.emit;
  }

  private penalise(clientKey: string, until: number): void {
    this.penalised.delete(clientKey);
    if (this.penalised.size >= MAX_PENALISED) this.penalised.delete(this.penalised.keys().next().value!);
    this.penalised.set(clientKey, until);
  }
}
