import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { useTestServer } from "./support/harness";

const PING_MS = 300;
const PONG_WAIT_MS = 300;

const server = useTestServer({ keepAlive: { pingMs: PING_MS, pongWaitMs: PONG_WAIT_MS } });

interface Peer {
  socket: WebSocket;
  pings: number;
  frames: unknown[];
  closed: Promise<number>;
}

/** A signed-in tRPC socket that answers the server's "PING" only when `answers`, as a live client does and a vanished one cannot. */
async function signedIn(answers: boolean): Promise<Peer> {
  const { token } = await server.as("dispatcher");
  const socket = new WebSocket(`${server.url.replace("http", "ws")}/trpc?connectionParams=1`);
  const peer: Peer = { socket, pings: 0, frames: [], closed: new Promise((resolve) => socket.once("close", resolve)) };
  socket.on("message", (data: Buffer) => {
    const text = data.toString();
    if (text !== "PING") {
      peer.frames.push(JSON.parse(text) as unknown);
      return;
    }
    peer.pings += 1;
    if (answers) socket.send("PONG");
  });
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  socket.send(JSON.stringify({ method: "connectionParams", data: { token } }));
  return peer;
}

/** Resolves once `peer` has been pinged `count` times. */
function pinged(peer: Peer, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (peer.pings < count) return;
      peer.socket.off("message", check);
      resolve();
    };
    peer.socket.on("message", check);
    check();
  });
}

describe("the server's keep-alive on tRPC sockets", () => {
  it("drops a signed-in socket whose peer stops answering, and keeps one that answers, calls working", async () => {
    const silent = await signedIn(false);
    const live = await signedIn(true);
    const code = await silent.closed;
    // Terminated, not closed politely: a peer that stopped answering would not read a close frame.
    expect(code).toBe(1006);
    expect(silent.pings).toBe(1);

    // Three quiet periods later the answering socket is still open and still served.
    await pinged(live, 3);
    expect(live.socket.readyState).toBe(WebSocket.OPEN);
    live.socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me", input: undefined } }));
    const answer = await new Promise<unknown>((resolve) => {
      const check = () => {
        const found = live.frames.find((frame) => (frame as { id?: unknown }).id === 1);
        if (found === undefined) return;
        live.socket.off("message", check);
        resolve(found);
      };
      live.socket.on("message", check);
      check();
    });
    expect(answer).toMatchObject({ id: 1, result: { type: "data", data: { role: "dispatcher" } } });
    live.socket.close();
    await live.closed;
  });
});
