import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initTRPC } from "@trpc/server";
import { z } from "zod";
import { openWireSocket, startBareTrpcServer, type BareTrpcServer } from "./support/bareTrpcServer";

/**
 * The tRPC patch (patches/README.md, "No `AbortController` for a query or mutation over the
 * socket"): a query or mutation over the socket is given the connection's signal, which
 * aborts when the socket closes, instead of an AbortController of its own that nothing
 * aborts. Every call still runs and is answered, and a subscription still has a signal of
 * its own that `subscription.stop` aborts without touching the calls' signal.
 */
const t = initTRPC.create();
const signals: AbortSignal[] = [];
const subscriptionSignals: AbortSignal[] = [];
const router = t.router({
  echo: t.procedure.input(z.number()).query(({ input, signal }) => {
    if (signal) signals.push(signal);
    return input;
  }),
  bump: t.procedure.input(z.number()).mutation(({ input, signal }) => {
    if (signal) signals.push(signal);
    return input + 1;
  }),
  waitForStop: t.procedure.subscription(async function* (opts) {
    if (opts.signal) subscriptionSignals.push(opts.signal);
    yield "ready";
    await new Promise((resolve) => opts.signal?.addEventListener("abort", resolve, { once: true }));
  }),
});

let server: BareTrpcServer;

beforeAll(async () => {
  server = await startBareTrpcServer(router);
});

afterAll(() => server.close());

describe("queries and mutations over the socket share the connection's signal (patched adapter)", () => {
  it("answers every call, gives them one signal, and aborts it when the socket closes", async () => {
    signals.length = 0;
    const { socket, messages, until } = await openWireSocket(server.url);
    for (let id = 1; id <= 50; id++) {
      socket.send(JSON.stringify({ id, method: id % 2 ? "query" : "mutation", params: { path: id % 2 ? "echo" : "bump", input: id } }));
    }
    await until(() => messages.length === 50);
    for (const message of messages) {
      expect(message.result).toEqual({ type: "data", data: message.id % 2 ? message.id : message.id + 1 });
    }
    // One AbortSignal for the 50 calls, not one built per call.
    expect(signals).toHaveLength(50);
    expect(new Set(signals).size).toBe(1);
    const signal = signals[0]!;
    expect(signal.aborted).toBe(false);

    const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    socket.close();
    await aborted;
    expect(signal.aborted).toBe(true);
  });

  it("gives a subscription its own signal, which subscription.stop aborts and the calls' does not follow", async () => {
    signals.length = 0;
    subscriptionSignals.length = 0;
    const { socket, messages, until } = await openWireSocket(server.url);
    socket.send(JSON.stringify({ id: 1, method: "subscription", params: { path: "waitForStop" } }));
    await until(() => messages.some((message) => message.id === 1 && message.result?.type === "data"));
    socket.send(JSON.stringify({ id: 2, method: "query", params: { path: "echo", input: 2 } }));
    await until(() => messages.some((message) => message.id === 2));

    socket.send(JSON.stringify({ id: 1, method: "subscription.stop" }));
    await until(() => messages.some((message) => message.id === 1 && message.result?.type === "stopped"));
    expect(subscriptionSignals).toHaveLength(1);
    expect(subscriptionSignals[0]!.aborted).toBe(true);
    expect(signals[0]).not.toBe(subscriptionSignals[0]);
    expect(signals[0]!.aborted).toBe(false);

    // The connection goes on answering calls after the stop.
    socket.send(JSON.stringify({ id: 3, method: "mutation", params: { path: "bump", input: 3 } }));
    await until(() => messages.some((message) => message.id === 3));
    expect(messages.find((message) => message.id === 3)?.result).toEqual({ type: "data", data: 4 });
    socket.close();
  });
});
