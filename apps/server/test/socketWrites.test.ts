import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { coalesceFrames } from "../src/socketWrites";

/** A ws server whose sockets coalesce their frames, counting the writes each TCP socket hands the kernel. */
const httpServer = createServer();
const wss = new WebSocketServer({ noServer: true });
const writes = new Map<WebSocket, () => number>();
let url = "";

beforeAll(async () => {
  httpServer.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      // Node hands a corked stream's chunks to `_writev` at once, and a lone one to `_write`.
      let count = 0;
      const stream = socket as unknown as { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void };
      const write = stream._write.bind(socket);
      const writev = stream._writev.bind(socket);
      stream._write = (...args) => (count++, write(...args));
      stream._writev = (...args) => (count++, writev(...args));
      coalesceFrames(ws, socket);
      writes.set(ws, () => count);
      wss.emit("connection", ws, request);
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const ws of wss.clients) ws.terminate();
  await new Promise((resolve) => httpServer.close(resolve));
});

async function connected(): Promise<{ server: WebSocket; client: WebSocket; received: string[] }> {
  const serverSide = new Promise<WebSocket>((resolve) => wss.once("connection", resolve));
  const client = new WebSocket(url);
  const received: string[] = [];
  client.on("message", (data: Buffer) => received.push(data.toString()));
  await new Promise((resolve, reject) => client.once("open", resolve).once("error", reject));
  return { server: await serverSide, client, received };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

describe("coalesceFrames", () => {
  it("sends the frames of one turn in one write, in order, and a later frame in a write of its own", async () => {
    const { server, client, received } = await connected();
    const writesOf = writes.get(server)!;
    const before = writesOf();
    // An answer, then the events its commit published a few microtasks later.
    server.send("answer");
    await Promise.resolve();
    server.send("event 1");
    queueMicrotask(() => server.send("event 2"));
    await until(() => received.length === 3);
    expect(received).toEqual(["answer", "event 1", "event 2"]);
    expect(writesOf() - before).toBe(1);

    server.send("next turn");
    await until(() => received.length === 4);
    expect(received[3]).toBe("next turn");
    expect(writesOf() - before).toBe(2);
    client.close();
  });

  it("lets a close follow the frames held before it, and takes a send after the close without throwing", async () => {
    const { server, client, received } = await connected();
    const closed = new Promise<number>((resolve) => client.once("close", resolve));
    server.send("last words");
    server.close(1000, "bye");
    expect(await closed).toBe(1000);
    expect(received).toEqual(["last words"]);
    expect(() => server.send("after close")).not.toThrow();
  });
});
