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

/**
 * Puts a tRPC WebSocket on a call budget, before tRPC's own message handler sees a frame:
 * each frame spends one token from the socket's bucket, a batch frame (a JSON array) one per
 * call in it. A frame over budget never reaches tRPC: each call in it is answered with
 * TOO_MANY_REQUESTS under its own id (a frame that is not a call, under id null). A frame of
 * `subscription.stop`s alone is still let through, since it only ends work, but counts as a
 * refusal. After `refusalsBeforeClose` refusals within `refusalWindowMs` the socket is closed
 * with 1008.
 *
 * The check sits on the socket's `emit`, the one place every listener (tRPC's handler and
 * its keep-alive) is reached from, so a refused frame reaches none of them. Within budget it
 * costs a clock read, and for a frame starting with `[` a JSON parse to count its calls.
 *
 * @param onClosed called once when the socket is closed for its budget (for a log line).
 */
export function limitSocketCalls(socket: WebSocket, budgets: CallBudgets, onClosed?: () => void): void {
  const bucket = new TokenBucket(budgets.burst, budgets.callsPerSecond);
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
    const buffer = Buffer.isBuffer(data) ? data : null;
    let parsed: unknown;
    let cost = 1;
    if (buffer && !isBinary && firstSignificantByte(buffer) === OPEN_BRACKET) {
      parsed = parseFrame(buffer);
      if (Array.isArray(parsed)) cost = Math.max(1, parsed.length);
    }
    if (bucket.take(now, cost)) return true;

    if (now - windowStartedAt > budgets.refusalWindowMs) {
      windowStartedAt = now;
      refusals = 0;
    }
    refusals++;
    if (refusals > budgets.refusalsBeforeClose) {
      closed = true;
      socket.close(OVER_BUDGET_CLOSE_CODE, "too many calls");
      onClosed?.();
      return false;
    }
    if (parsed === undefined && buffer && !isBinary) parsed = parseFrame(buffer);
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
