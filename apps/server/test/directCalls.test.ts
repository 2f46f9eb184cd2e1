import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient } from "@convoy/client";
import type { DbHandle } from "@convoy/db";
import { prepareDatabase, type RunningServer } from "../src";
import { startTestServer, useTestServer } from "./support/harness";
import { loadInput } from "./support/fixtures";
import { addDrivers, addRiders, area, assignedRide, offsetKm } from "./support/tripFixtures";
import { sampleValue, scrape } from "./support/prometheus";
import { frameMatching, openTrpcSocket, replyTo, type RawTrpcSocket } from "./support/rawSockets";

/** A chat budget small enough to run out within the sequence below. */
const rateLimits = { chatPoints: 3, chatWindowSeconds: 60 };
const t = useTestServer({ rateLimits });
/** A second server on the same database that sends every socket call through tRPC's adapter. */
let adapterOnly: RunningServer;
let adapterHandle: DbHandle;

beforeAll(async () => {
  ({ handle: adapterHandle } = await prepareDatabase(t.databaseUrl, { seed: false }));
  adapterOnly = await startTestServer(adapterHandle, { rateLimits, directSocketCalls: false });
});

afterAll(async () => {
  await adapterOnly.shutdown();
});

/** A result's data with what differs between two runs (ids, times, keys) replaced by its kind. */
function normalized(value: unknown): unknown {
  if (typeof value === "number") return "<number>";
  if (typeof value === "string" && /^\d+$/.test(value)) return "<digits>";
  if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value)) return "<time>";
  if (typeof value === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(value)) return "<uuid>";
  if (Array.isArray(value)) return value.map(normalized);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, normalized(inner)]));
  return value;
}

/** A reply as compared: an error frame as sent (but the log's latest id), a result frame with its data (and a tracked event's id) normalized. */
function comparable(frame: unknown): unknown {
  const { result, error, ...rest } = frame as { result?: { type: string; data?: unknown; id?: string }; error?: { message: string } };
  // The log's latest id in "lastEventId … is ahead of the event log (latest is N)" moves between runs.
  if (error) return { ...rest, error: { ...error, message: error.message.replace(/latest is \d+/, "latest is <id>") } };
  if (!result) return frame;
  return {
    ...rest,
    result: { ...result, ...("data" in result ? { data: normalized(result.data) } : {}), ...(result.id ? { id: "<eventId>" } : {}) },
  };
}

let nextId = 1;
async function call(socket: RawTrpcSocket, path: string, input: unknown, jsonrpc?: "2.0"): Promise<unknown> {
  const id = nextId++;
  socket.send({ id, ...(jsonrpc ? { jsonrpc } : {}), method: "mutation", params: { path, input } });
  const reply = await frameMatching(socket, replyTo(id));
  return { ...(reply as object), id: "<id>" };
}

/**
 * Waits until `raw`'s connection has its context: tRPC answers a call only then, and a call
 * sent before it goes to tRPC's adapter (which waits for the context) rather than directly.
 */
async function ready(...sockets: RawTrpcSocket[]): Promise<void> {
  for (const raw of sockets) {
    raw.send({ id: 0, method: "query", params: { path: "auth.me" } });
    await frameMatching(raw, replyTo(0));
  }
}

const directCallsOf = async (url: string) => sampleValue(await scrape(url), "convoy_ws_direct_calls_total") ?? 0;

/** What a frame says: an error's code, an event's type (tracked or not), or the result's type. */
function kindOf(frame: unknown): string {
  const { result, error } = frame as {
    result?: { type: string; data?: { type?: string; data?: { type?: string } } };
    error?: { data: { code: string } };
  };
  if (error) return error.data.code;
  return result!.type === "data" ? (result!.data!.type ?? result!.data!.data!.type)! : result!.type;
}

/** `sequence`'s frames on the server with direct calls and on the one without, and how many it served directly. */
async function onBothServers(sequence: (url: string) => Promise<unknown[]>) {
  const directBefore = await directCallsOf(t.url);
  const direct = await sequence(t.url);
  const directRun = (await directCallsOf(t.url)) - directBefore;
  return { direct, throughAdapter: await sequence(adapterOnly.url), directRun };
}

/** Records each awaited frame once, in order: the next reply to `id` (of `type`, if given) not yet recorded. */
function frameRecorder() {
  const frames: unknown[] = [];
  const next = async (raw: RawTrpcSocket, id: number, type?: string) => {
    const frame = await frameMatching(
      raw,
      (candidate) =>
        replyTo(id)(candidate) &&
        !frames.includes(candidate) &&
        (type === undefined || (candidate as { result?: { type?: string } }).result?.type === type),
    );
    frames.push(frame);
    return frame as { result?: { type: string; id?: string; data?: { data?: { eventId?: number } } } };
  };
  return { frames, next };
}

describe("chat calls run directly on a tRPC socket", () => {
  it("answers every call, result and refusal, exactly as tRPC's adapter does", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 1);
    const rider = await t.as("rider", 1);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));

    /** The same calls on a socket to `url`; returns every reply in order. */
    async function sequence(url: string): Promise<unknown[]> {
      const socket = await openTrpcSocket(url, driver.token);
      const riderSocket = await openTrpcSocket(url, rider.token);
      const anonymous = await openTrpcSocket(url, "");
      await ready(socket, riderSocket, anonymous);
      const replies: unknown[] = [];
      replies.push(await call(socket, "chat.typing", { offerId: offer.id, typing: true }));
      const sent = await call(socket, "chat.send", { offerId: offer.id, body: "  on my way  ", clientMessageId: randomUUID() });
      replies.push(sent);
      const messageId = (sent as { result: { data: { id: number } } }).result.data.id;
      replies.push(await call(socket, "chat.markRead", { offerId: offer.id, messageId }));
      replies.push(await call(socket, "chat.markRead", { offerId: offer.id, messageId: messageId + 1_000_000 }));
      replies.push(await call(socket, "chat.send", { offerId: offer.id + 1_000_000, body: "wrong thread", clientMessageId: randomUUID() }));
      replies.push(await call(socket, "chat.typing", { offerId: offer.id, typing: "yes" }));
      replies.push(await call(socket, "chat.send", { offerId: offer.id, body: "   ", clientMessageId: randomUUID() }));
      replies.push(await call(socket, "chat.send", { offerId: offer.id, body: "second", clientMessageId: randomUUID() }, "2.0"));
      // The budget (3) is spent by the two messages above and this one; the next is refused.
      replies.push(await call(socket, "chat.send", { offerId: offer.id, body: "third", clientMessageId: randomUUID() }));
      replies.push(await call(socket, "chat.send", { offerId: offer.id, body: "fourth", clientMessageId: randomUUID() }));
      replies.push(await call(riderSocket, "chat.typing", { offerId: offer.id, driverId: driver.userId, typing: true }));
      replies.push(await call(anonymous, "chat.typing", { offerId: offer.id, typing: true }));
      for (const open of [socket, riderSocket, anonymous]) open.socket.close();
      return replies.map(comparable);
    }

    const { direct, throughAdapter, directRun } = await onBothServers(sequence);

    expect(direct).toEqual(throughAdapter);
    // The refusals are real: a wrong thread, bad input, the budget, a rider, no token.
    const codes = direct.map((reply) => (reply as { error?: { data: { code: string } } }).error?.data.code ?? "OK");
    expect(codes).toEqual([
      "OK",
      "OK",
      "OK",
      "NOT_FOUND",
      "NOT_FOUND",
      "BAD_REQUEST",
      "BAD_REQUEST",
      "OK",
      "OK",
      "TOO_MANY_REQUESTS",
      "FORBIDDEN",
      "UNAUTHORIZED",
    ]);
    // Run directly: every call with a live session, the caller's role and valid input (8,
    // refusals from the resolver or the budget included); the bad input, the rider and the
    // socket without a token went to tRPC's adapter.
    expect(directRun).toBe(8);
    expect(await directCallsOf(adapterOnly.url)).toBe(0);
  });

  it("delivers a message sent directly to the other side's chat.events and to the sender's own", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 2);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const dispatcherSocket = await openTrpcSocket(t.url, dispatcher.token);
    const driverSocket = await openTrpcSocket(t.url, driver.token);
    await ready(dispatcherSocket, driverSocket);
    for (const socket of [dispatcherSocket, driverSocket]) {
      socket.send({ id: 1, method: "subscription", params: { path: "chat.events", input: { offerId: offer.id } } });
      await frameMatching(socket, (frame) => replyTo(1)(frame) && (frame as { result?: { type?: string } }).result?.type === "started");
    }
    const clientMessageId = randomUUID();
    driverSocket.send({
      id: 2,
      method: "mutation",
      params: { path: "chat.send", input: { offerId: offer.id, body: "at the dock", clientMessageId } },
    });
    const isMessage = (frame: unknown) =>
      (frame as { result?: { data?: { data?: { message?: { clientMessageId?: string } } } } }).result?.data?.data?.message?.clientMessageId ===
      clientMessageId;
    const [received, ownCopy] = await Promise.all([frameMatching(dispatcherSocket, isMessage), frameMatching(driverSocket, isMessage)]);
    expect((received as { result: { data: { data: { message: { body: string } } } } }).result.data.data.message.body).toBe("at the dock");
    expect(ownCopy).toEqual(received);
    dispatcherSocket.socket.close();
    driverSocket.socket.close();
  });
});

describe("chat.events served directly on a tRPC socket", () => {
  it("sends started, messages, typing, a resumed backlog, refusals and stopped exactly as tRPC's adapter does", async () => {
    const driver = await t.as("driver", 3);
    const rider = await t.as("rider", 1);
    const otherDriver = await t.as("driver", 4);
    const dispatcher = await t.as("dispatcher");
    const notTheirs = await dispatcher.api.offers.create.mutate(loadInput([otherDriver.userId]));

    /** The same subscriptions on sockets to `url`, messages sent through its HTTP API; every frame of them, in order. */
    async function sequence(url: string): Promise<unknown[]> {
      const api = createConvoyClient({ url, token: dispatcher.token, WebSocket });
      const offer = await api.api.offers.create.mutate(loadInput([driver.userId]));
      const socket = await openTrpcSocket(url, driver.token);
      const riderSocket = await openTrpcSocket(url, rider.token);
      await ready(socket, riderSocket);
      const { frames, next } = frameRecorder();
      const subscribe = (raw: RawTrpcSocket, id: number, input: unknown, lastEventId?: string) =>
        raw.send({ id, method: "subscription", params: { path: "chat.events", input, ...(lastEventId ? { lastEventId } : {}) } });

      subscribe(socket, 100, { offerId: offer.id });
      await next(socket, 100, "started");
      await api.api.chat.send.mutate({ offerId: offer.id, driverId: driver.userId, body: "load is ready", clientMessageId: randomUUID() });
      const message = await next(socket, 100, "data");
      await api.api.chat.typing.mutate({ offerId: offer.id, driverId: driver.userId, typing: true });
      await next(socket, 100, "data");
      socket.send({ id: 100, method: "subscription.stop" });
      await next(socket, 100, "stopped");

      // Resumed from just before the message: the backlog brings it again, with its id.
      const eventId = Number(message.result!.id);
      subscribe(socket, 101, { offerId: offer.id }, String(eventId - 1));
      await next(socket, 101, "started");
      await next(socket, 101, "data");
      socket.send({ id: 101, method: "subscription.stop" });
      await next(socket, 101, "stopped");

      subscribe(socket, 102, { offerId: offer.id }, "999999999");
      await next(socket, 102);
      subscribe(socket, 103, { offerId: notTheirs.id });
      await next(socket, 103);
      subscribe(socket, 104, { offerId: "x" });
      await next(socket, 104);
      subscribe(socket, 105, { offerId: offer.id });
      await next(socket, 105, "started");
      subscribe(socket, 105, { offerId: offer.id });
      await next(socket, 105, undefined);
      socket.send({ id: 105, method: "subscription.stop" });
      await next(socket, 105, "stopped");
      subscribe(riderSocket, 106, {});
      await next(riderSocket, 106);

      for (const open of [socket, riderSocket]) open.socket.close();
      await api.close();
      return frames.map(comparable);
    }

    const { direct, throughAdapter, directRun } = await onBothServers(sequence);

    expect(direct).toEqual(throughAdapter);
    const kinds = direct.map(kindOf);
    expect(kinds).toEqual([
      "started",
      "message",
      "typing",
      "stopped",
      "started",
      "message",
      "stopped",
      "BAD_REQUEST",
      "NOT_FOUND",
      "BAD_REQUEST",
      "started",
      "BAD_REQUEST",
      "stopped",
      "FORBIDDEN",
    ]);
    // Served directly: 100, 101, 102 and 103 (refused while opening), and 105; the bad input
    // and the rider went to tRPC's adapter.
    expect(directRun).toBe(5);
    expect(await directCallsOf(adapterOnly.url)).toBe(0);
  });
});

describe("offers.events served directly on a tRPC socket", () => {
  it("sends started, an offer, stopped and refusals exactly as tRPC's adapter does", async () => {
    const driver = await t.as("driver", 5);
    const rider = await t.as("rider", 1);
    const dispatcher = await t.as("dispatcher");

    async function sequence(url: string): Promise<unknown[]> {
      const api = createConvoyClient({ url, token: dispatcher.token, WebSocket });
      const socket = await openTrpcSocket(url, driver.token);
      const riderSocket = await openTrpcSocket(url, rider.token);
      await ready(socket, riderSocket);
      const { frames, next } = frameRecorder();
      const subscribe = (raw: RawTrpcSocket, id: number, input: unknown) =>
        raw.send({ id, method: "subscription", params: { path: "offers.events", input } });

      subscribe(socket, 200, {});
      await next(socket, 200, "started");
      await api.api.offers.create.mutate(loadInput([driver.userId]));
      await next(socket, 200, "data");
      socket.send({ id: 200, method: "subscription.stop" });
      await next(socket, 200, "stopped");
      subscribe(socket, 201, { offerId: 999_999_999 });
      await next(socket, 201);
      subscribe(socket, 202, { offerId: -1 });
      await next(socket, 202);
      subscribe(riderSocket, 203, {});
      await next(riderSocket, 203);

      for (const open of [socket, riderSocket]) open.socket.close();
      await api.close();
      return frames.map(comparable);
    }

    const { direct, throughAdapter, directRun } = await onBothServers(sequence);

    expect(direct).toEqual(throughAdapter);
    const kinds = direct.map(kindOf);
    expect(kinds).toEqual(["started", "offer.received", "stopped", "NOT_FOUND", "BAD_REQUEST", "FORBIDDEN"]);
    // Served directly: 200, and 201 (refused while opening); the bad input and the rider went to tRPC's adapter.
    expect(directRun).toBe(2);
  });
});

/** A data frame's `kind` (tracking frames), or what `comparable` keeps of any other frame. */
function trackingFrame(frame: unknown): unknown {
  const { result } = frame as { result?: { type: string; data?: { kind?: string } } };
  return result?.type === "data" ? { ...(frame as object), id: "<id>", result: { type: "data", kind: result.data?.kind } } : comparable(frame);
}

describe("tracking.onFleet and tracking.onTrip served directly on a tRPC socket", () => {
  it("send started, a snapshot, frames, stopped and refusals exactly as tRPC's adapter does", async () => {
    const dispatcher = await t.as("dispatcher");
    const riders = await addRiders(t, 2);
    const drivers = await addDrivers(t, 2);
    const rides = [await assignedRide(t, riders[0]!, drivers[0]!, area(1)), await assignedRide(t, riders[1]!, drivers[1]!, area(2))];
    let run = 0;

    async function sequence(url: string): Promise<unknown[]> {
      const ride = rides[run]!;
      const [rider, driver] = [riders[run]!, drivers[run]!];
      run++;
      const [dispatcherSocket, riderSocket, driverSocket] = await Promise.all(
        [dispatcher, rider, driver].map((user) => openTrpcSocket(url, user.token)),
      );
      await ready(dispatcherSocket!, riderSocket!, driverSocket!);
      const { frames, next } = frameRecorder();
      const subscribe = (raw: RawTrpcSocket, id: number, path: string, input?: unknown) =>
        raw.send({ id, method: "subscription", params: { path, ...(input === undefined ? {} : { input }) } });
      const report = (at: { lat: number; lng: number }) =>
        driverSocket!.send({
          id: 399,
          method: "mutation",
          params: { path: "tracking.report", input: { points: [{ ...at, recordedAt: Date.now() }] } },
        });

      subscribe(dispatcherSocket!, 300, "tracking.onFleet");
      await next(dispatcherSocket!, 300, "started");
      await next(dispatcherSocket!, 300, "data");
      subscribe(riderSocket!, 301, "tracking.onTrip", { tripId: ride.tripId });
      await next(riderSocket!, 301, "started");
      await next(riderSocket!, 301, "data");
      report(offsetKm(ride.pickup, 0.2));
      // The fleet's frame and the rider's position frame, each after its snapshot.
      await next(dispatcherSocket!, 300, "data");
      await next(riderSocket!, 301, "data");
      dispatcherSocket!.send({ id: 300, method: "subscription.stop" });
      await next(dispatcherSocket!, 300, "stopped");
      riderSocket!.send({ id: 301, method: "subscription.stop" });
      await next(riderSocket!, 301, "stopped");

      subscribe(driverSocket!, 302, "tracking.onTrip", { tripId: ride.tripId });
      await next(driverSocket!, 302, "started");
      await next(driverSocket!, 302);
      subscribe(riderSocket!, 303, "tracking.onTrip", { tripId: 999_999_999 });
      await next(riderSocket!, 303, "started");
      await next(riderSocket!, 303);
      subscribe(riderSocket!, 304, "tracking.onTrip", { tripId: -1 });
      await next(riderSocket!, 304);
      subscribe(driverSocket!, 305, "tracking.onFleet");
      await next(driverSocket!, 305);
      subscribe(dispatcherSocket!, 306, "tracking.onFleet", "everyone");
      await next(dispatcherSocket!, 306);

      for (const open of [dispatcherSocket!, riderSocket!, driverSocket!]) open.socket.close();
      return frames.map(trackingFrame);
    }

    const { direct, throughAdapter, directRun } = await onBothServers(sequence);

    expect(direct).toEqual(throughAdapter);
    expect(direct.map((frame) => (frame as { result?: { kind?: string; type: string } }).result?.kind ?? kindOf(frame))).toEqual([
      "started",
      "snapshot",
      "started",
      "snapshot",
      "frame",
      "position",
      "stopped",
      "stopped",
      "started",
      "FORBIDDEN",
      "started",
      "NOT_FOUND",
      "BAD_REQUEST",
      "FORBIDDEN",
      "BAD_REQUEST",
    ]);
    // Served directly: 300, 301, 302 and 303 (refused by the stream after started); the bad
    // inputs and the driver's fleet went to tRPC's adapter.
    expect(directRun).toBe(4);
  });
});

describe("calls sent before a socket's context is known", () => {
  it("are held in order and then served directly, exactly as tRPC's adapter answers them", async () => {
    const driver = await t.as("driver", 6);
    const dispatcher = await t.as("dispatcher");

    async function sequence(url: string): Promise<unknown[]> {
      const api = createConvoyClient({ url, token: dispatcher.token, WebSocket });
      // Sent right behind the connection params, while the server is still making the context.
      const socket = await openTrpcSocket(url, driver.token);
      socket.send({ id: 500, method: "subscription", params: { path: "offers.events", input: {} } });
      socket.send({ id: 501, method: "subscription", params: { path: "tracking.onFleet" } });
      const stranger = await openTrpcSocket(url, "not-a-token");
      stranger.send({ id: 502, method: "subscription", params: { path: "offers.events", input: {} } });
      const { frames, next } = frameRecorder();

      await next(socket, 500, "started");
      await next(socket, 501);
      await next(stranger, 502);
      await api.api.offers.create.mutate(loadInput([driver.userId]));
      await next(socket, 500, "data");
      socket.send({ id: 500, method: "subscription.stop" });
      await next(socket, 500, "stopped");

      for (const open of [socket, stranger]) open.socket.close();
      await api.close();
      return frames.map(comparable);
    }

    const { direct, throughAdapter, directRun } = await onBothServers(sequence);

    expect(direct).toEqual(throughAdapter);
    expect(direct.map(kindOf)).toEqual(["started", "FORBIDDEN", "UNAUTHORIZED", "offer.received", "stopped"]);
    // Served directly: 500. The driver's fleet and the stranger's call went to tRPC's adapter.
    expect(directRun).toBe(1);
  });
});
