import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { initTRPC } from "@trpc/server";
import { shareJson, sharedJsonEncoder } from "@convoy/api/server";
import { startBareTrpcServer, type BareTrpcServer } from "./support/bareTrpcServer";

/**
 * A payload marked with `shareJson` leaves the server as the fragments of one text message
 * (patches/README.md). Over a real socket, every subscriber must still receive exactly one
 * message per payload, byte for byte what `JSON.stringify` of its envelope gives.
 */
const t = initTRPC.create();
const payloads = [
  shareJson({ kind: "frame", at: 1, drivers: [{ id: 7, name: 'Ava "A" ✓ 🚚', position: { lat: 41.8, lng: -87.6 } }] }),
  shareJson({ kind: "frame", at: 2, drivers: Array.from({ length: 2_000 }, (_, id) => ({ id, position: { lat: id / 1e3, lng: -id / 1e3 } })) }),
  { kind: "frame", at: 3, drivers: [] },
];
const router = t.router({
  frames: t.procedure.subscription(async function* () {
    for (const payload of payloads) yield payload;
  }),
});

let server: BareTrpcServer;
let url: string;

beforeAll(async () => {
  server = await startBareTrpcServer(router, { experimental_encoder: sharedJsonEncoder });
  url = server.url;
});

afterAll(() => server.close());

/** Subscribes with request id `id` and resolves with every text message up to the stream's end. */
async function subscribe(id: number): Promise<string[]> {
  const socket = new WebSocket(url);
  const messages: string[] = [];
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const done = new Promise<void>((resolve) =>
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      expect(isBinary).toBe(false);
      const text = data.toString("utf8");
      messages.push(text);
      if ((JSON.parse(text) as { result?: { type?: string } }).result?.type === "stopped") resolve();
    }),
  );
  socket.send(JSON.stringify({ id, method: "subscription", params: { path: "frames" } }));
  await done;
  socket.close();
  return messages;
}

describe("shared frames on the wire", () => {
  it("gives every subscriber one message per frame, exactly the JSON of its envelope", async () => {
    const [first, second] = await Promise.all([subscribe(1), subscribe(42)]);
    for (const [id, messages] of [
      [1, first],
      [42, second],
    ] as const) {
      const data = messages.filter((message) => message.includes('"type":"data"'));
      expect(data).toEqual(payloads.map((payload) => JSON.stringify({ id, jsonrpc: undefined, result: { type: "data", data: payload } })));
    }
  });
});
