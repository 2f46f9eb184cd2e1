import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { KeepAlive } from "../src/keepAlive";

const PING_MS = 200;
const PONG_WAIT_MS = 200;

/** A ws server whose sockets `keepAlive` watches, as the server's tRPC sockets are. */
const httpServer = createServer();
const wss = new WebSocketServer({ noServer: true });
const keepAlive = new KeepAlive({ pingMs: PING_MS, pongWaitMs: PONG_WAIT_MS });
let url = "";

beforeAll(async () => {
  httpServer.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    wss.handleUpgrade(request, socket, head, (ws) => keepAlive.watch(ws, socket));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  keepAlive.stop();
  for (const ws of wss.clients) ws.terminate();
  await new Promise((resolve) => httpServer.close(resolve));
});

interface Client {
  socket: WebSocket;
  /** When each "PING" came, in ms since the socket opened. */
  pings: number[];
  closed: Promise<number>;
}

/** A client that answers "PING" with "PONG" when `answers`, as tRPC's client does, or never. */
async function connect(answers: boolean): Promise<Client> {
  const socket = new WebSocket(url);
  const pings: number[] = [];
  let openedAt = 0;
  socket.on("message", (data: Buffer) => {
    if (data.toString() !== "PING") return;
    pings.push(performance.now() - openedAt);
    if (answers) socket.send("PONG");
  });
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(performance.now() - openedAt)));
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  openedAt = performance.now();
  return { socket, pings, closed };
}

/** Resolves once `client` has had `count` pings. */
function pinged(client: Client, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (client.pings.length < count) return;
      client.socket.off("message", check);
      resolve();
    };
    client.socket.on("message", check);
    check();
  });
}

/** Resolves once the server side of every socket has closed. */
async function serverSidesClosed(): Promise<void> {
  await Promise.all(
    [...wss.clients].map((ws) => new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve(null) : ws.once("close", resolve)))),
  );
}

describe("keep-alive from one sweep", () => {
  it("pings a quiet socket and drops it when nothing comes back", async () => {
    const silent = await connect(false);
    const closedAfter = await silent.closed;
    expect(silent.pings).toHaveLength(1);
    const [pingedAfter = 0] = silent.pings;
    // Pinged after pingMs of quiet, dropped after pongWaitMs more (each within a sweep, 25 %).
    expect(pingedAfter).toBeGreaterThanOrEqual(PING_MS * 0.95);
    expect(closedAfter - pingedAfter).toBeGreaterThanOrEqual(PONG_WAIT_MS * 0.95);
  });

  it("keeps a socket that answers, and never pings one that keeps talking", async () => {
    const answering = await connect(true);
    const talking = await connect(false);
    const chatter = setInterval(() => talking.socket.send("{}"), PING_MS / 5);
    try {
      // Three pings answered: three quiet periods have passed for both sockets.
      await pinged(answering, 3);
      expect(answering.socket.readyState).toBe(WebSocket.OPEN);
      expect(talking.pings).toEqual([]);
      expect(talking.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      clearInterval(chatter);
      answering.socket.close();
      talking.socket.close();
    }
  });

  it("forgets a socket once it has closed", async () => {
    await serverSidesClosed();
    const client = await connect(true);
    expect(keepAlive.watched).toBe(1);
    client.socket.close();
    await serverSidesClosed();
    expect(keepAlive.watched).toBe(0);
  });
});
