import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { DEFAULT_CALL_BUDGETS, OVER_BUDGET_CLOSE_CODE } from "../src";
import { useTestServer } from "./support/harness";
import { collectFrom } from "./support/subscriptions";

// Default budgets throughout: the point is that they stop a flood and let an app through.
const t = useTestServer({ rateLimits: { mutationPoints: 1_000_000 } });
const sockets: ConvoyClient[] = [];
afterAll(async () => {
  await Promise.allSettled(sockets.map((client) => client.close()));
});

type Reply = { id?: unknown; error?: { message?: string; data?: { code?: string } }; result?: { type?: string } };
type ErrorBody = { error?: { message?: string; data?: { code?: string } } };

/** A client whose queries and mutations travel over its own WebSocket, as a driver's do. */
function socketClient(token: string): ConvoyClient {
  const client = createConvoyClient({ url: t.url, token, WebSocket, socketFor: "all", lazy: false });
  sockets.push(client);
  return client;
}

/** A raw tRPC WebSocket, authenticated through connectionParams, recording every reply. */
async function rawSocket(token: string) {
  const socket = new WebSocket(`${t.url.replace("http", "ws")}/trpc?connectionParams=1`);
  const replies: Reply[] = [];
  let closeCode: number | null = null;
  const closed = new Promise<number>((resolve) =>
    socket.on("close", (code) => {
      closeCode = code;
      resolve(code);
    }),
  );
  socket.on("message", (data: Buffer) => replies.push(JSON.parse(data.toString()) as Reply));
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  socket.send(JSON.stringify({ method: "connectionParams", data: { token } }));
  return { socket, replies, closed, closeCode: () => closeCode };
}

/** A raw HTTP call of `paths` as one batch (`?batch=1`), each with no input. */
async function httpBatch(paths: string[], token: string, method: "GET" | "POST" = "GET") {
  const response = await fetch(`${t.url}/trpc/${paths.join(",")}?batch=1`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(method === "POST" ? { "content-type": "application/json" } : {}) },
    body: method === "POST" ? "{}" : undefined,
  });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.json() };
}

describe("per-connection call budgets", () => {
  it("refuses a socket sending 1,000 frames a second with TOO_MANY_REQUESTS, then closes it with 1008, while another client's calls keep answering", async () => {
    const flooder = await t.as("driver", 1);
    const bystander = await t.as("dispatcher");
    const bystanderSocket = socketClient(bystander.token);
    const bystanderRound = async () => {
      const started = performance.now();
      await bystanderSocket.api.drivers.list.query({ limit: 5 });
      await bystander.api.auth.me.query();
      return performance.now() - started;
    };
    const quietMs: number[] = [];
    for (let i = 0; i < 5; i++) quietMs.push(await bystanderRound());

    // The second client keeps calling, over its own socket and over HTTP, until the flood
    // ends; a refused or failed call rejects `bystanderCalls` and fails the test.
    const state = { flooding: true };
    const latenciesMs: number[] = [];
    const bystanderCalls = (async () => {
      while (state.flooding) {
        latenciesMs.push(await bystanderRound());
        // An app's pace, not a second flood.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const raw = await rawSocket(flooder.token);
    const sentQueryIds: number[] = [];
    const floodStarted = Date.now();
    let sent = 0;
    // 1,000 frames a second for 5 s, two queries for every garbage frame, until the server
    // closes the socket. Frames go out as they fall due, however late a timer fires.
    while (raw.closeCode() === null && Date.now() - floodStarted < 5_000) {
      const due = Math.min(5_000, Date.now() - floodStarted);
      for (; sent < due && raw.socket.readyState === WebSocket.OPEN; sent++) {
        if (sent % 3 === 2) {
          raw.socket.send("garbage, not JSON");
        } else {
          sentQueryIds.push(sent);
          raw.socket.send(JSON.stringify({ id: sent, method: "query", params: { path: "auth.me" } }));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const closeCode = await Promise.race([raw.closed, new Promise((resolve) => setTimeout(() => resolve("still open"), 10_000))]);
    state.flooding = false;
    await bystanderCalls;

    expect(closeCode).toBe(OVER_BUDGET_CLOSE_CODE);
    const refused = raw.replies.filter((reply) => reply.error?.data?.code === "TOO_MANY_REQUESTS");
    expect(refused.length).toBeGreaterThan(0);
    // A refused query is answered under its own id, with a sentence saying what the budget is.
    const refusedQuery = refused.find((reply) => typeof reply.id === "number");
    expect(sentQueryIds).toContain(refusedQuery?.id);
    expect(refusedQuery?.error?.message).toMatch(/Too many calls from this connection: at most \d+ a second/);
    // Far fewer queries ran than were sent: the budget, not the flood, set the pace.
    const ran = raw.replies.filter((reply) => reply.result !== undefined).length;
    expect(ran).toBeLessThan(sentQueryIds.length);
    expect(ran).toBeLessThanOrEqual(DEFAULT_CALL_BUDGETS.burst + DEFAULT_CALL_BUDGETS.callsPerSecond * 5);

    // Every call of the bystander answered during the flood (none refused, none failed).
    expect(latenciesMs.length).toBeGreaterThan(0);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!.toFixed(1);
    console.info(
      `flood: ${sent} frames sent, ${ran} queries ran, ${refused.length} refused; bystander round (a socket and an HTTP call): ` +
        `median ${median(quietMs)} ms before the flood, ${median(latenciesMs)} ms during it (${latenciesMs.length} rounds)`,
    );

    // Reconnecting buys no fresh burst: the flooder's next socket starts with an empty bucket,
    // so of 20 queries sent at once most are refused, where a new client would get all 20.
    const again = await rawSocket(flooder.token);
    for (let id = 1; id <= 20; id++) again.socket.send(JSON.stringify({ id, method: "query", params: { path: "auth.me" } }));
    const firstTwenty = () => again.replies.filter((reply) => typeof reply.id === "number" && reply.id <= 20);
    await expect.poll(() => firstTwenty().length, { timeout: 10_000 }).toBe(20);
    expect(firstTwenty().filter((reply) => reply.error?.data?.code === "TOO_MANY_REQUESTS").length).toBeGreaterThan(10);
    // It may still call at the refill rate.
    let nextId = 100;
    await expect
      .poll(
        () => {
          again.socket.send(JSON.stringify({ id: ++nextId, method: "query", params: { path: "auth.me" } }));
          return again.replies.some((reply) => typeof reply.id === "number" && reply.id > 100 && reply.result?.type === "data");
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe(true);
    again.socket.close();
  });

  it("lets an app open its subscriptions and burst 30 queries at connect, over the socket and over HTTP", async () => {
    const dispatcher = await t.as("dispatcher");
    const client = socketClient(dispatcher.token);
    const { api } = client;
    const subscriptions = [
      collectFrom(api.offers.events.subscribe, {}),
      collectFrom(api.trips.events.subscribe, {}),
      collectFrom(api.chat.events.subscribe, {}),
      collectFrom(api.presence.events.subscribe, undefined),
      collectFrom(api.tracking.onFleet.subscribe, undefined),
    ];
    const queries = (over: ConvoyClient) =>
      Array.from({ length: 30 }, (_, i) => {
        const calls = [
          () => over.api.auth.me.query(),
          () => over.api.drivers.list.query({ limit: 20 }),
          () => over.api.offers.list.query({ limit: 20 }),
          () => over.api.presence.online.query(),
          () => over.api.tracking.fleet.query(),
          () => over.api.chat.unreadCount.query(),
        ];
        return calls[i % calls.length]!();
      });
    const overSocket = await Promise.allSettled(queries(client));
    expect(overSocket.filter((result) => result.status === "rejected")).toEqual([]);
    await Promise.all(subscriptions.map((subscription) => subscription.started));
    expect(subscriptions.flatMap((subscription) => subscription.errors)).toEqual([]);
    // The same burst over HTTP goes as batches of 20, each within the batch limit.
    const overHttp = await Promise.allSettled(queries(dispatcher));
    expect(overHttp.filter((result) => result.status === "rejected")).toEqual([]);
    subscriptions.forEach((subscription) => subscription.stop());
  });

  it("refuses a 100-call HTTP batch whole, with a readable BAD_REQUEST, before any call runs", async () => {
    const driver = await t.as("driver", 2);
    // 100 logouts: had any run, the token would now be refused.
    const refused = await httpBatch(
      Array.from({ length: 100 }, () => "auth.logout"),
      driver.token,
      "POST",
    );
    expect(refused.status).toBe(400);
    const { error } = refused.body as ErrorBody;
    expect(error?.data?.code).toBe("BAD_REQUEST");
    expect(error?.message).toBe(
      `A batch may carry at most ${DEFAULT_CALL_BUDGETS.maxBatchCalls} calls; this one carries 100. Send fewer calls per request.`,
    );
    await expect(driver.api.auth.me.query()).resolves.toMatchObject({ id: driver.userId });

    // Percent-encoded commas split a batch for tRPC too, so they count the same.
    const encoded = await fetch(`${t.url}/trpc/${Array.from({ length: 100 }, () => "auth.me").join("%2C")}?batch=1`, {
      headers: { authorization: `Bearer ${driver.token}` },
    });
    expect(encoded.status).toBe(400);

    // A batch at the limit runs.
    const atLimit = await httpBatch(
      Array.from({ length: DEFAULT_CALL_BUDGETS.maxBatchCalls }, () => "auth.me"),
      driver.token,
    );
    expect(atLimit.status).toBe(200);
    expect(atLimit.body).toHaveLength(DEFAULT_CALL_BUDGETS.maxBatchCalls);
  });

  it("refuses an HTTP client past its budget with 429 TOO_MANY_REQUESTS, and another client is unaffected", async () => {
    const greedy = await t.as("driver", 3);
    const other = await t.as("driver", 4);
    const batch = Array.from({ length: DEFAULT_CALL_BUDGETS.maxBatchCalls }, () => "auth.me");
    const batches = Math.ceil((DEFAULT_CALL_BUDGETS.burst * 2) / batch.length);
    const results = await Promise.all(Array.from({ length: batches }, () => httpBatch(batch, greedy.token)));
    const tooMany = results.filter((result) => result.status === 429);
    expect(tooMany.length).toBeGreaterThan(0);
    expect(results.filter((result) => result.status === 200).length).toBeGreaterThan(0);
    const { error } = tooMany[0]!.body as ErrorBody;
    expect(error?.data?.code).toBe("TOO_MANY_REQUESTS");
    expect(error?.message).toMatch(/^Too many calls from this client: at most \d+ a second \(\d+ at once\); try again in \d+ s$/);
    expect(Number(tooMany[0]!.retryAfter)).toBeGreaterThanOrEqual(1);
    await expect(other.api.auth.me.query()).resolves.toMatchObject({ id: other.userId });
  });

  // Last in this file: it spends the budget of every anonymous call from this address.
  it("gives made-up bearer tokens no buckets of their own: they spend their address's budget", async () => {
    const batch = Array.from({ length: DEFAULT_CALL_BUDGETS.maxBatchCalls }, () => "auth.me");
    const batches = Math.ceil((DEFAULT_CALL_BUDGETS.burst * 2) / batch.length);
    const results = await Promise.all(Array.from({ length: batches }, (_, index) => httpBatch(batch, `made.up.token-${index}-${Math.random()}`)));
    expect(results.filter((result) => result.status === 429).length).toBeGreaterThan(0);
    expect(results.filter((result) => result.status !== 429).every((result) => result.status === 401)).toBe(true);
  });
});
