import { getTRPCErrorShape, transformTRPCResponse, type TRPCError } from "@trpc/server";
import type { RawData, WebSocket } from "ws";
import { appRouter, directMutationsOf, runDirectMutation, sharedJsonEncoder, type Context, type DirectOutcome } from "@convoy/api/server";

/** A call's frame as tRPC's client sends it, once it is known to be a single mutation. */
interface MutationCall {
  id: string | number;
  jsonrpc: "2.0" | undefined;
  path: string;
  input: unknown;
}

/** Present in every mutation's frame; a frame without it is not parsed here. */
const MUTATION_MARK = Buffer.from('"mutation"');

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The frame as one mutation call, or null for anything else (a batch, a query, an odd id, `lastEventId`). */
function mutationCallOf(frame: unknown): MutationCall | null {
  if (!isPlainObject(frame) || frame.method !== "mutation") return null;
  const { id, jsonrpc, params } = frame;
  if (!(typeof id === "string" || (typeof id === "number" && !Number.isNaN(id)))) return null;
  if (jsonrpc !== undefined && jsonrpc !== "2.0") return null;
  if (!isPlainObject(params) || typeof params.path !== "string" || params.lastEventId !== undefined) return null;
  return { id, jsonrpc, path: params.path, input: params.input };
}

/**
 * Runs the router's direct mutations (`directMutation` in `@convoy/api`: chat's send,
 * typing and read marks) for tRPC WebSockets without going through tRPC's adapter, and
 * answers them in the adapter's frames, so a client cannot tell the two apart. Every other
 * frame, and every call `runDirectMutation` declines (no live session, an API key, another
 * role, input its schema refuses), goes to tRPC's handler unchanged, which answers it as
 * before; nothing has been spent for it.
 *
 * It sits in front of tRPC's message listener, behind the socket's call budget (which
 * wraps `emit`), so a direct call spends its frame's budget like any other. A call is run
 * directly only once its socket's context is known (`setContext`); until then tRPC, which
 * waits for the context, takes it.
 */
export class DirectSocketCalls {
  private readonly mutations = directMutationsOf(appRouter);
  private readonly contexts = new WeakMap<WebSocket, Context>();
  private callsRun = 0;

  /** @param onError told of every call answered with an error, as tRPC's adapter tells its `onError`. */
  constructor(private readonly onError: (error: TRPCError, path: string) => void) {}

  /** Calls answered without tRPC's adapter, since start. */
  get directCalls(): number {
    return this.callsRun;
  }

  /** The paths run directly. */
  get paths(): readonly string[] {
    return [...this.mutations.keys()];
  }

  /** Records `ws`'s context once its connection has one; calls from then on may run directly. */
  setContext(ws: WebSocket, context: Context): void {
    this.contexts.set(ws, context);
  }

  /**
   * Puts the direct calls in front of tRPC's message listener on `ws`. Call right after
   * tRPC's connection handler has taken the socket, with the adapter's keep-alive off: the
   * handler's listener must be the socket's only one.
   */
  intercept(ws: WebSocket): void {
    const listeners = ws.listeners("message");
    if (listeners.length !== 1) throw new Error(`expected tRPC's message listener alone on a new socket, found ${listeners.length}`);
    const handleInTrpc = listeners[0] as (data: RawData, isBinary: boolean) => void;
    ws.removeListener("message", handleInTrpc);
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (isBinary || !Buffer.isBuffer(data) || !this.run(ws, data)) handleInTrpc(data, isBinary);
    });
  }

  /** Whether the frame was taken: a direct mutation whose call passed every check and now runs. */
  private run(ws: WebSocket, data: Buffer): boolean {
    const context = this.contexts.get(ws);
    if (!context || !data.includes(MUTATION_MARK)) return false;
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString("utf8"));
    } catch {
      return false;
    }
    const call = mutationCallOf(frame);
    const definition = call && this.mutations.get(call.path);
    if (!call || !definition) return false;
    const running = runDirectMutation(context, call.path, definition, call.input);
    if (!running) return false;
    this.callsRun++;
    void running.then((outcome) => this.answer(ws, context, call, outcome));
    return true;
  }

  /** Sends what tRPC's adapter would: the result, or the router's error shape, in the encoder's frame. */
  private answer(ws: WebSocket, context: Context, call: MutationCall, outcome: DirectOutcome): void {
    const { id, jsonrpc, path, input } = call;
    if (!outcome.ok) this.onError(outcome.error, path);
    // As the adapter does: once closing starts, replies are dropped.
    if (ws.readyState !== ws.OPEN) return;
    const config = appRouter._def._config;
    const response = outcome.ok
      ? { id, jsonrpc, result: { type: "data" as const, data: outcome.data } }
      : { id, jsonrpc, error: getTRPCErrorShape({ config, error: outcome.error, type: "mutation", path, input, ctx: context }) };
    const encoded = sharedJsonEncoder.encode(transformTRPCResponse(config, response));
    if (!Array.isArray(encoded)) {
      ws.send(encoded);
      return;
    }
    // A shared payload's fragments, one text message (see `sharedJsonEncoder`).
    const last = encoded.length - 1;
    for (const [index, fragment] of encoded.entries()) ws.send(fragment, { binary: false, fin: index === last });
  }
}
