import WebSocket from "ws";

/** A raw tRPC WebSocket: every frame it received and how it closed. */
export interface RawTrpcSocket {
  socket: WebSocket;
  messages: unknown[];
  /** The server's keep-alive "PING"s received (they are not in `messages`). */
  pings: number;
  closed: Promise<{ code: number; reason: string; at: number }>;
  send: (message: unknown) => void;
}

/**
 * Opens `/trpc` and signs in with `token` through `connectionParams`, the way
 * `@convoy/client` does, without tRPC's client (no reconnect to hide a close). The server's
 * keep-alive "PING" is answered as tRPC's client answers it, unless `answerPings` is false
 * (a peer that has vanished).
 */
export async function openTrpcSocket(baseUrl: string, token: string, { answerPings = true } = {}): Promise<RawTrpcSocket> {
  const socket = new WebSocket(`${baseUrl.replace("http", "ws")}/trpc?connectionParams=1`);
  const messages: unknown[] = [];
  const counts = { pings: 0 };
  socket.on("message", (data: Buffer) => {
    const text = data.toString();
    if (text !== "PING") {
      messages.push(JSON.parse(text) as unknown);
      return;
    }
    counts.pings += 1;
    if (answerPings) socket.send("PONG");
  });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })),
  );
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  socket.send(JSON.stringify({ method: "connectionParams", data: { token } }));
  return {
    socket,
    messages,
    get pings() {
      return counts.pings;
    },
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
  };
}

/** Waits until `socket` has received a frame matching `predicate`. */
export async function frameMatching(raw: RawTrpcSocket, predicate: (message: unknown) => boolean, timeoutMs = 10_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = raw.messages.find(predicate);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(raw.messages)}`);
    await new Promise<void>((resolve) => {
      const settle = () => {
        raw.socket.off("message", settle).off("close", settle);
        resolve();
      };
      raw.socket.once("message", settle).once("close", settle);
    });
    if (raw.socket.readyState === WebSocket.CLOSED && !raw.messages.some(predicate)) {
      throw new Error(`socket closed before a matching frame; got ${JSON.stringify(raw.messages)}`);
    }
  }
}

/** The reply to request `id`. */
export const replyTo = (id: number) => (message: unknown) =>
  typeof message === "object" && message !== null && (message as { id?: unknown }).id === id;
