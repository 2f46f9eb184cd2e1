import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initTRPC, TRPCError } from "@trpc/server";
import { Unpromise } from "@trpc/server/unstable-core-do-not-import";
import { openWireSocket, startBareTrpcServer, type BareTrpcServer } from "./support/bareTrpcServer";

/**
 * The tRPC patch (patches/README.md, "One plain promise per subscription step") replaces
 * the adapter's `Unpromise.race([iterator.next(), abort])` with one plain promise per step.
 * Over a real socket, a subscription must still deliver every value in order, end with
 * `stopped`, turn a thrown error into an error message, and stop a generator that is
 * waiting when the client sends `subscription.stop`, running its `finally`. The step is
 * settled by the adapter's own abort, with no listener on the subscription's signal.
 */
const t = initTRPC.create();
const released: string[] = [];
const router = t.router({
  count: t.procedure.subscription(async function* () {
    for (let value = 0; value < 1_000; value++) yield value;
  }),
  failAfterTwo: t.procedure.subscription(async function* () {
    yield 1;
    yield 2;
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: "the trip ended" });
  }),
  waitForever: t.procedure.subscription(async function* (opts) {
    try {
      yield "ready";
      // Waits for the abort, as a well-behaved procedure does; nothing else would wake it.
      await new Promise((resolve) => opts.signal?.addEventListener("abort", resolve, { once: true }));
      // Must never reach the client: the adapter has stopped reading by now.
      yield "after stop";
    } finally {
      released.push(`waitForever aborted=${String(opts.signal?.aborted)}`);
    }
  }),
  listenersOnSignal: t.procedure.subscription(async function* (opts) {
    // Runs on the adapter's first step, after it has set up how that step ends on abort.
    yield getEventListeners(opts.signal!, "abort").length;
    await new Promise((resolve) => opts.signal?.addEventListener("abort", resolve, { once: true }));
  }),
});

let server: BareTrpcServer;
let url: string;

beforeAll(async () => {
  server = await startBareTrpcServer(router);
  url = server.url;
});

afterAll(() => server.close());

/** Opens a socket and starts subscription `path` as request 1; `messages` fills as they come. */
async function open(path: string) {
  const { socket, messages, until } = await openWireSocket(url);
  socket.send(JSON.stringify({ id: 1, method: "subscription", params: { path } }));
  return { socket, messages, until };
}

describe("subscription steps on the wire (patched adapter)", () => {
  it("delivers every value in order, then stopped, racing no Unpromise per value", async () => {
    // tRPC's adapter raced every step against the abort with Unpromise.race (a proxy and a
    // subscriber-list copy per value); the patched one waits on one plain promise per step.
    const race = Unpromise.race.bind(Unpromise);
    let races = 0;
    Unpromise.race = ((...args: Parameters<typeof race>) => {
      races += 1;
      return race(...args);
    }) as typeof Unpromise.race;
    const { socket, messages, until } = await open("count");
    try {
      await until(() => messages.some((message) => message.result?.type === "stopped"));
    } finally {
      Unpromise.race = race;
    }
    socket.close();
    expect(races).toBe(0);
    const data = messages.filter((message) => message.result?.type === "data").map((message) => message.result?.data);
    expect(data).toEqual(Array.from({ length: 1_000 }, (_, value) => value));
    expect(messages.at(-1)?.result?.type).toBe("stopped");
  });

  it("turns an error thrown mid-stream into an error message with its code", async () => {
    const { socket, messages, until } = await open("failAfterTwo");
    await until(() => messages.some((message) => message.error));
    socket.close();
    expect(messages.filter((message) => message.result?.type === "data").map((message) => message.result?.data)).toEqual([1, 2]);
    const error = messages.find((message) => message.error)?.error;
    expect(error?.message).toBe("the trip ended");
    expect(error?.data?.code).toBe("PRECONDITION_FAILED");
  });

  it("stops a waiting generator on subscription.stop and runs its finally", async () => {
    released.length = 0;
    const { socket, messages, until } = await open("waitForever");
    await until(() => messages.some((message) => message.result?.data === "ready"));
    expect(released).toEqual([]);
    socket.send(JSON.stringify({ id: 1, method: "subscription.stop" }));
    await until(() => messages.some((message) => message.result?.type === "stopped"));
    await expect.poll(() => released).toEqual(["waitForever aborted=true"]);
    expect(messages.map((message) => message.result?.data)).not.toContain("after stop");
    socket.close();
  });

  it("leaves the subscription's signal without an abort listener of its own", async () => {
    const { socket, messages, until } = await open("listenersOnSignal");
    await until(() => messages.some((message) => message.result?.type === "data"));
    expect(messages.find((message) => message.result?.type === "data")?.result?.data).toBe(0);
    socket.send(JSON.stringify({ id: 1, method: "subscription.stop" }));
    await until(() => messages.some((message) => message.result?.type === "stopped"));
    socket.close();
  });
});
