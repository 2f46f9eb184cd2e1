import WebSocket from "ws";

/** A call the server refused: `message` is its tRPC error code (what `errorCode` counts). */
export class WireCallError extends Error {}

/** Every socket a process opened, so `closeWires` can end them all. */
const opened = new Set<WireClient>();

/** Closes every `WireClient` this process opened. */
export function closeWires(): void {
  for (const wire of opened) wire.close();
  opened.clear();
}

type Waiter = { resolve: (data: unknown) => void; reject: (error: Error) => void };

/** A subscription's listener: the value, and its event id when the server tracked it. */
export type WireListener = (data: unknown, eventId: string | undefined) => void;

interface ServerFrame {
  id?: number | string | null;
  result?: { type: "started" | "data" | "stopped"; id?: string; data?: unknown };
  error?: { message: string; data?: { code?: string } };
}

/**
 * A chat or offers load user's side of a tRPC WebSocket, speaking the frames
 * `@trpc/client`'s wsLink speaks (connection params, JSON-RPC calls and subscriptions,
 * PING/PONG) and nothing more: no links, observables, retries or per-call objects beyond one
 * promise. One load process plays hundreds of users at thousands of calls a second, and
 * through the full client it spent as much CPU as the server it measured, on the same two
 * cores; the server sees the same frames either way.
 */
export class WireClient {
  private nextId = 1;
  private readonly calls = new Map<number, Waiter>();
  private readonly listeners = new Map<number, { started: Waiter; onData: WireListener }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (raw: Buffer) => this.receive(raw.toString()));
    socket.on("close", () => {
      const closed = new WireCallError("network");
      for (const waiter of this.calls.values()) waiter.reject(closed);
      for (const listener of this.listeners.values()) listener.started.reject(closed);
      this.calls.clear();
      this.listeners.clear();
    });
  }

  /** Opens a socket to `url`'s `/trpc` and sends `token` as its connection params. */
  static async open(url: string, token: string): Promise<WireClient> {
    const socket = new WebSocket(`${url.replace(/^http/, "ws").replace(/\/$/, "")}/trpc?connectionParams=1`);
    await new Promise<void>((resolve, reject) => socket.once("open", () => resolve()).once("error", reject));
    socket.send(JSON.stringify({ method: "connectionParams", data: { token } }));
    const wire = new WireClient(socket);
    opened.add(wire);
    return wire;
  }

  mutate(path: string, input: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.socket.send(`{"id":${id},"method":"mutation","params":{"path":${JSON.stringify(path)},"input":${JSON.stringify(input)}}}`);
    });
  }

  /** Subscribes; resolves once the server has started the subscription. */
  subscribe(path: string, input: unknown, onData: WireListener): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.listeners.set(id, { started: { resolve: () => resolve(), reject }, onData });
      this.socket.send(`{"id":${id},"method":"subscription","params":{"path":${JSON.stringify(path)},"input":${JSON.stringify(input)}}}`);
    });
  }

  close(): void {
    this.socket.close();
  }

  private receive(text: string): void {
    if (text === "PING") {
      this.socket.send("PONG");
      return;
    }
    if (text === "PONG") return;
    const frame = JSON.parse(text) as ServerFrame;
    if (typeof frame.id !== "number") return;
    const listener = this.listeners.get(frame.id);
    if (listener) {
      if (frame.error) {
        this.listeners.delete(frame.id);
        listener.started.reject(new WireCallError(frame.error.data?.code ?? frame.error.message));
      } else if (frame.result?.type === "started") listener.started.resolve(undefined);
      // A tracked value arrives as { id, data } with the id also beside it.
      else if (frame.result?.type === "data") {
        const { id, data } = frame.result;
        listener.onData(id === undefined ? data : (data as { data: unknown }).data, id);
      }
      return;
    }
    const call = this.calls.get(frame.id);
    if (!call) return;
    this.calls.delete(frame.id);
    if (frame.error) call.reject(new WireCallError(frame.error.data?.code ?? frame.error.message));
    else call.resolve(frame.result?.data);
  }
}
