import WebSocket, { WebSocketServer } from "ws";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import type { AnyRouter } from "@trpc/server";

export interface BareTrpcServer {
  /** `ws://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/**
 * tRPC's WebSocket adapter alone on a loopback port, with no Convoy server around it: for
 * tests that hold the patched adapter (patches/README.md) to the wire format.
 */
export async function startBareTrpcServer(
  router: AnyRouter,
  options: Omit<Parameters<typeof applyWSSHandler>[0], "wss" | "router"> = {},
): Promise<BareTrpcServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  applyWSSHandler({ ...options, wss, router });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const address = wss.address();
  return {
    url: `ws://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

/** A tRPC response as it comes off the wire. */
export interface WireMessage {
  id: number;
  result?: { type: string; data?: unknown };
  error?: { message: string; data?: { code?: string } };
}

/**
 * A raw socket to `url`: `messages` fills with every message parsed as it comes, and
 * `until(done)` resolves once `done()` holds, checked after each message.
 */
export async function openWireSocket(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const messages: WireMessage[] = [];
  const waiters: (() => void)[] = [];
  socket.on("message", (data: Buffer) => {
    messages.push(JSON.parse(data.toString("utf8")) as WireMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { socket, messages, until };
}
