import { getTRPCErrorShape, isTrackedEnvelope, transformTRPCResponse, TRPCError } from "@trpc/server";
import type { RawData, WebSocket } from "ws";
import {
  appRouter,
  callError,
  directMutationsOf,
  directSubscriptionsOf,
  openDirectSubscription,
  runDirectMutation,
  sharedJsonEncoder,
  type Context,
  type DirectOpening,
  type DirectOutcome,
  type DirectStreams,
  type StreamSink,
} from "@convoy/api/server";

type RequestId = string | number;
type CallType = "mutation" | "subscription";

/** A call's frame as tRPC's client sends it, once it is known to be a single mutation or subscription. */
interface Call {
  id: RequestId;
  jsonrpc: "2.0" | undefined;
  type: CallType;
  path: string;
  input: unknown;
}

/** What a socket's direct calls need: its context, and its direct subscriptions by request id. */
interface SocketState {
  context: Context;
  subscriptions: Map<RequestId, DirectSubscription> | null;
}

/** Present in every call's frame this handles; a frame with neither is not parsed here. */
const MUTATION_MARK = Buffer.from('"mutation"');
const SUBSCRIPTION_MARK = Buffer.from('"subscription');

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isRequestId = (id: unknown): id is RequestId => typeof id === "string" || (typeof id === "number" && !Number.isNaN(id));

/** Whether `serialize` returns what it is given, as tRPC's default transformer does. */
function isIdentity(serialize: (value: unknown) => unknown): boolean {
  const probe = { probe: [new Date(0)] };
  return serialize(probe) === probe;
}

/**
 * The frame as one call, as tRPC's `parseTRPCMessage` reads it (a subscription's
 * `lastEventId` merged into its input), or null for anything else: a batch, a query, an odd
 * id. A `subscription.stop` comes back as its id alone.
 */
function callOf(frame: unknown): Call | { stop: RequestId } | null {
  if (!isPlainObject(frame)) return null;
  const { id, jsonrpc, method, params } = frame;
  if (!isRequestId(id) || (jsonrpc !== undefined && jsonrpc !== "2.0")) return null;
  if (method === "subscription.stop") return { stop: id };
  if ((method !== "mutation" && method !== "subscription") || !isPlainObject(params) || typeof params.path !== "string") return null;
  const { lastEventId } = params;
  let { input } = params;
  if (lastEventId !== undefined) {
    if (method === "mutation" || typeof lastEventId !== "string") return null;
    input = isPlainObject(input) ? { ...input, lastEventId } : (input ?? { lastEventId });
  }
  return { id, jsonrpc, type: method, path: params.path, input };
}

/**
 * Serves the router's direct procedures (`directMutation` and `directSubscription` in
 * `@convoy/api`: chat's send, typing, read marks and events, `offers.events`,
 * `tracking.onFleet` and `tracking.onTrip`) on tRPC WebSockets without
 * tRPC's adapter, in the adapter's frames, so a client cannot tell the two apart. Every other
 * frame, and every call that `runDirectMutation` or `openDirectSubscription` declines (no
 * live session, an API key, another role, input its schema refuses), goes to tRPC's handler
 * unchanged, which answers it as before; nothing has been spent for it.
 *
 * It sits in front of tRPC's message listener, behind the socket's call budget (which wraps
 * `emit`), so a direct call spends its frame's budget like any other. While tRPC makes a
 * socket's context (`contextPending` to `setContext`), its frames are held here in order,
 * as the adapter would hold them, and then each goes its way: clients subscribe the moment
 * they connect.
 */
export class DirectSocketCalls {
  private readonly mutations = directMutationsOf(appRouter);
  private readonly subscriptions = directSubscriptionsOf(appRouter);
  private readonly sockets = new WeakMap<WebSocket, SocketState>();
  /** Sockets whose context is being made → the frames that arrived meanwhile, each to be routed, in order. */
  private readonly held = new WeakMap<WebSocket, (() => void)[]>();
  private callsRun = 0;
  /**
   * Whether the router's transformer leaves responses as they are (no transformer set):
   * then `transformTRPCResponse`'s copies of every frame change nothing and are skipped.
   */
  private readonly untransformed = isIdentity((value) => appRouter._def._config.transformer.output.serialize(value));

  /** @param onError told of every call or stream answered with an error, as tRPC's adapter tells its `onError`. */
  constructor(private readonly onError: (error: TRPCError, path: string) => void) {}

  /** Calls and subscriptions served without tRPC's adapter, since start. */
  get directCalls(): number {
    return this.callsRun;
  }

  /**
   * Says that tRPC has begun making `ws`'s context (from its connection params, or at
   * connection when none are expected). Until `setContext` or `contextFailed`, the socket's
   * frames are held here, in order, as tRPC's adapter holds them until it has the context:
   * a client subscribes the moment it connects, and those calls too are then served
   * directly.
   */
  contextPending(ws: WebSocket): void {
    if (!this.sockets.has(ws)) this.held.set(ws, []);
  }

  /**
   * Records `ws`'s context once its connection has one; calls from then on may be served
   * directly, starting with those held since `contextPending`, in the order they came.
   */
  setContext(ws: WebSocket, context: Context): void {
    this.sockets.set(ws, { context, subscriptions: null });
    this.release(ws);
  }

  /** tRPC could not make `ws`'s context: the held frames go to its adapter, which answers them as it answers any call then. */
  contextFailed(ws: WebSocket): void {
    this.release(ws);
  }

  /**
   * Sends each frame held for `ws` on, in order: served directly when it qualifies (the
   * socket open, its context known), to tRPC's listener otherwise. tRPC parses each and waits
   * for the context promise it is about to resolve, as it would have.
   */
  private release(ws: WebSocket): void {
    const frames = this.held.get(ws);
    if (!frames) return;
    this.held.delete(ws);
    for (const route of frames) route();
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
    const route = (data: RawData, isBinary: boolean) => {
      if (isBinary || !Buffer.isBuffer(data) || ws.readyState !== ws.OPEN || !this.take(ws, data)) handleInTrpc(data, isBinary);
    };
    ws.on("message", (data: RawData, isBinary: boolean) => {
      const held = this.held.get(ws);
      if (held) held.push(() => route(data, isBinary));
      else route(data, isBinary);
    });
  }

  /** Whether the frame was taken: a direct call that passed every check, or the stop of a direct subscription. */
  private take(ws: WebSocket, data: Buffer): boolean {
    const state = this.sockets.get(ws);
    if (!state || !(data.includes(MUTATION_MARK) || data.includes(SUBSCRIPTION_MARK))) return false;
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString("utf8"));
    } catch {
      return false;
    }
    const call = callOf(frame);
    if (!call) return false;
    if ("stop" in call) {
      const subscription = state.subscriptions?.get(call.stop);
      subscription?.stop();
      return subscription !== undefined;
    }
    if (call.type === "mutation") return this.runMutation(ws, state.context, call);
    return this.openSubscription(ws, state, call);
  }

  private runMutation(ws: WebSocket, context: Context, call: Call): boolean {
    const definition = this.mutations.get(call.path);
    const running = definition && runDirectMutation(context, call.path, definition, call.input);
    if (!running) return false;
    this.callsRun++;
    // A call with nothing to wait for is answered at once.
    if (running instanceof Promise) void running.then((outcome) => this.answer(ws, context, call, outcome));
    else this.answer(ws, context, call, running);
    return true;
  }

  private answer(ws: WebSocket, context: Context, call: Call, outcome: DirectOutcome): void {
    if (outcome.ok) this.send(ws, { id: call.id, jsonrpc: call.jsonrpc, result: { type: "data", data: outcome.data } });
    else this.refuse(ws, context, call, outcome.error);
  }

  private openSubscription(ws: WebSocket, state: SocketState, call: Call): boolean {
    const definition = this.subscriptions.get(call.path);
    if (!definition) return false;
    if (state.subscriptions?.has(call.id)) {
      this.refuse(ws, state.context, call, new TRPCError({ code: "BAD_REQUEST", message: `Duplicate id ${call.id}` }));
      return true;
    }
    const opening = openDirectSubscription(state.context, definition, call.input);
    if (!opening) return false;
    this.callsRun++;
    // The map and its close listener only for a socket that has a direct subscription.
    const open = (state.subscriptions ??= this.watchClose(ws, new Map()));
    const subscription = new DirectSubscription(this, ws, state.context, call, () => open.delete(call.id));
    open.set(call.id, subscription);
    void opening.then((outcome) => subscription.opened(outcome));
    return true;
  }

  /** Stops a socket's direct subscriptions when it closes; registered with its first one. */
  private watchClose(ws: WebSocket, subscriptions: Map<RequestId, DirectSubscription>): Map<RequestId, DirectSubscription> {
    ws.once("close", () => {
      for (const subscription of [...subscriptions.values()]) subscription.stop();
    });
    return subscriptions;
  }

  /** Answers `call` with the router's error shape, and tells `onError`. */
  refuse(ws: WebSocket, context: Context, call: Call, error: TRPCError): void {
    const { id, jsonrpc, type, path, input } = call;
    this.onError(error, path);
    const config = appRouter._def._config;
    this.send(ws, { id, jsonrpc, error: getTRPCErrorShape({ config, error, type, path, input, ctx: context }) });
  }

  /** Sends what tRPC's adapter would, through its encoder; nothing once the socket is closing. */
  send(ws: WebSocket, response: Parameters<typeof transformTRPCResponse>[1]): void {
    if (ws.readyState !== ws.OPEN) return;
    const encoded = sharedJsonEncoder.encode(this.untransformed ? response : transformTRPCResponse(appRouter._def._config, response));
    if (!Array.isArray(encoded)) {
      ws.send(encoded);
      return;
    }
    // A shared payload's fragments, one text message (see `sharedJsonEncoder`).
    const last = encoded.length - 1;
    for (const [index, fragment] of encoded.entries()) ws.send(fragment, { binary: false, fin: index === last });
  }
}

/**
 * One direct subscription, from its opening to its end: `started` once its streams listen,
 * then each source's items as they come (a tracked item with its id, as tRPC sends it), and
 * `stopped` when it is stopped or a source ends; the error frame instead if opening or a
 * source fails. Stopping it (its `subscription.stop`, or the socket closing) closes its
 * streams, at once or as soon as they are open.
 */
class DirectSubscription {
  private streams: DirectStreams<unknown> | null = null;
  private stopped = false;
  private ended = false;

  constructor(
    private readonly calls: DirectSocketCalls,
    private readonly ws: WebSocket,
    private readonly context: Context,
    private readonly call: Call,
    private readonly release: () => void,
  ) {}

  stop(): void {
    this.stopped = true;
    if (this.streams) this.streams.close();
    else this.release();
  }

  opened(outcome: DirectOpening): void {
    const { calls, ws, call } = this;
    const stoppedFrame = { id: call.id, jsonrpc: call.jsonrpc, result: { type: "stopped" as const } };
    // Stopped while opening: as tRPC's adapter does, "stopped" and nothing else.
    if (!outcome.ok) {
      this.release();
      if (this.stopped) calls.send(ws, stoppedFrame);
      else calls.refuse(ws, this.context, call, outcome.error);
      return;
    }
    const { streams } = outcome;
    if (this.stopped || ws.readyState !== ws.OPEN) {
      streams.close();
      this.release();
      calls.send(ws, stoppedFrame);
      return;
    }
    this.streams = streams;
    this.context.services.calls.subscriptionOpened(call.path);
    calls.send(ws, { id: call.id, jsonrpc: call.jsonrpc, result: { type: "started" } });
    for (const source of streams.sources) {
      if (source.pipe) source.pipe(this.sink);
      else void this.deliver(source.read(undefined));
    }
  }

  /** Where a piped source puts its items: written at once, in the producer's turn. */
  private readonly sink: StreamSink<unknown> = {
    item: (item) => {
      if (this.ended) return;
      try {
        this.write(item);
      } catch (thrown) {
        this.end(thrown);
      }
    },
    end: (error) => this.end(error),
  };

  /** Reads a source that cannot be piped. */
  private async deliver(items: AsyncIterable<unknown>): Promise<void> {
    try {
      for await (const item of items) {
        if (this.ended) break;
        this.write(item);
      }
      this.end(null);
    } catch (thrown) {
      this.end(thrown);
    }
  }

  /** One item's frame: a tracked item with its id, as tRPC sends it. */
  private write(item: unknown): void {
    const { id, jsonrpc } = this.call;
    const result = isTrackedEnvelope(item)
      ? { type: "data" as const, data: { id: item[0], data: item[1] }, id: item[0] }
      : { type: "data" as const, data: item };
    this.calls.send(this.ws, { id, jsonrpc, result });
  }

  /** The first source to end or fail ends the subscription: the others are closed, and the client told. */
  private end(thrown: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.streams?.close();
    this.release();
    this.context.services.calls.subscriptionClosed(this.call.path);
    if (thrown !== null && !this.stopped) this.calls.refuse(this.ws, this.context, this.call, callError(thrown));
    else this.calls.send(this.ws, { id: this.call.id, jsonrpc: this.call.jsonrpc, result: { type: "stopped" } });
  }
}
