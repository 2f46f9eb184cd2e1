import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { useTestServer } from "./support/harness";
import { frameMatching, openTrpcSocket, replyTo, type RawTrpcSocket } from "./support/rawSockets";

const PING_MS = 300;
const PONG_WAIT_MS = 300;

const server = useTestServer({ keepAlive: { pingMs: PING_MS, pongWaitMs: PONG_WAIT_MS } });

/** Resolves once `raw` has been pinged `count` times. */
function pinged(raw: RawTrpcSocket, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (raw.pings < count) return;
      raw.socket.off("message", check);
      resolve();
    };
    raw.socket.on("message", check);
    check();
  });
}

describe("the server's keep-alive on tRPC sockets", () => {
  it("drops a signed-in socket whose peer stops answering, and keeps one that answers, calls working", async () => {
    const { token } = await server.as("dispatcher");
    const silent = await openTrpcSocket(server.url, token, { answerPings: false });
    const live = await openTrpcSocket(server.url, token);
    const { code } = await silent.closed;
    // Terminated, not closed politely: a peer that stopped answering would not read a close frame.
    expect(code).toBe(1006);
    expect(silent.pings).toBe(1);

    // Three quiet periods later the answering socket is still open and still served.
    await pinged(live, 3);
    expect(live.socket.readyState).toBe(WebSocket.OPEN);
    live.send({ id: 1, method: "query", params: { path: "auth.me", input: undefined } });
    expect(await frameMatching(live, replyTo(1))).toMatchObject({ id: 1, result: { type: "data", data: { role: "dispatcher" } } });
    live.socket.close();
    await live.closed;
  });
});
