import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { TurnCorkedWebSocket } from "../src/turnCorkedWebSocket";

/**
 * Frames a server socket sends in one turn of the event loop leave in one write to the
 * kernel, in order, and frames of a later turn in a write of their own.
 */
let http: Server;
let wss: WebSocketServer;
let url: string;

beforeAll(async () => {
  http = createServer();
  wss = new WebSocketServer({ server: http, WebSocket: TurnCorkedWebSocket });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => http.close(() => resolve()));
});

/** Counts the writes the server side of the next connection hands to the kernel. */
function nextServerSocket(): Promise<{ ws: WebSocket; writes: () => number }> {
  return new Promise((resolve) =>
    wss.once("connection", (ws: WebSocket) => {
      type Write = (...args: unknown[]) => void;
      const socket = (ws as unknown as { _socket: Socket & { _write: Write; _writev: Write } })._socket;
      let count = 0;
      const write = socket._write.bind(socket);
      const writev = socket._writev.bind(socket);
      socket._write = (...args) => {
        count++;
        write(...args);
      };
      socket._writev = (...args) => {
        count++;
        writev(...args);
      };
      resolve({ ws, writes: () => count });
    }),
  );
}

/** Opens a client that resolves `received(n)` once it has n messages. */
async function openClient() {
  const client = new WebSocket(url);
  const messages: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  client.on("message", (data: Buffer) => {
    messages.push(data.toString());
    for (const waiter of waiters.filter((w) => messages.length >= w.count)) waiter.resolve();
  });
  await new Promise((resolve, reject) => client.once("open", resolve).once("error", reject));
  const received = (count: number) =>
    messages.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }));
  return { client, messages, received };
}

describe("TurnCorkedWebSocket", () => {
  it("sends the frames of one turn in one write, in order", async () => {
    const server = nextServerSocket();
    const { client, messages, received } = await openClient();
    const { ws, writes } = await server;

    ws.send("one");
    ws.send("two");
    ws.send("three", { binary: false });
    await received(3);
    expect(messages).toEqual(["one", "two", "three"]);
    expect(writes()).toBe(1);

    ws.send("four");
    await received(4);
    expect(messages).toEqual(["one", "two", "three", "four"]);
    expect(writes()).toBe(2);
    client.close();
  });

  it("holds nothing back from a socket that sends again while its frames are released", async () => {
    const server = nextServerSocket();
    const { client, messages, received } = await openClient();
    const { ws } = await server;

    ws.send("first", () => ws.send("from the write callback"));
    await received(2);
    expect(messages).toEqual(["first", "from the write callback"]);
    client.close();
  });
});
