import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { OfferEvent } from "@convoy/api";
import { createSession, createTokenService } from "@convoy/api/server";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { createDb, ensureDatabase, eq, migrate, seed, users, type DbHandle } from "@convoy/db";
import { TEST_JWT_SECRET } from "./support/config";
import { createTestDatabase } from "./support/harness";
import { loadInput } from "./support/offerFixtures";
import { spawnServer, type ServerProcess } from "./support/process";
import { startSlowReader, type SlowReader } from "./support/slowReader";
import { collect } from "./support/subscriptions";

/** Events a durable subscription may have waiting for a reader that is behind (`DURABLE_BACKLOG_EVENTS`). */
const BACKLOG_EVENTS = 100;
/** Unread bytes before the stream holds back (`SOCKET_UNREAD_LIMIT_BYTES`), smaller than the default so the test is short. */
const THRESHOLD_BYTES = 16_384;
/**
 * Offers to the driver while its socket is not read: each is one `offer.received` of about
 * 600 bytes, so the stream holds back after ~30 and its queue overflows ~100 later.
 */
const OFFERS = 200;

type Tracked = { id: string; data: OfferEvent };

let database: { url: string; drop: () => Promise<void> };
let handle: DbHandle;
let server: ServerProcess;
let reader: SlowReader | null = null;
let pausedReader: SlowReader | null = null;
const clients: ConvoyClient[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await ensureDatabase(database.url);
  handle = createDb(database.url, { connectionLimit: 2 });
  await migrate(handle.db);
  await seed(handle.db);
  server = await spawnServer({
    DATABASE_URL: database.url,
    DURABLE_BACKLOG_EVENTS: String(BACKLOG_EVENTS),
    SOCKET_UNREAD_LIMIT_BYTES: String(THRESHOLD_BYTES),
    MUTATIONS_PER_10S: "100000",
    // One dispatcher sends the 200 offers as fast as it can; the call budget is not under test here.
    CALLS_PER_SECOND: "100000",
    CALL_BURST: "100000",
  });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await reader?.close();
  await pausedReader?.close();
  server.child.kill("SIGKILL");
  await server.exited;
  await handle.close();
  await database.drop();
});

/** Opens a raw tRPC socket and subscribes to `offers.events`; records the close code. */
async function rawSubscriber(url: string, token: string) {
  const socket = new WebSocket(`${url.replace("http", "ws")}/trpc?connectionParams=1`);
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  const started = new Promise<void>((resolve) =>
    socket.on("message", (data: Buffer) => {
      const text = data.toString();
      // tRPC's keep-alive, answered as its client does, so only the backlog can close this socket.
      if (text === "PING") socket.send("PONG");
      if (text.includes('"started"')) resolve();
    }),
  );
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  socket.send(JSON.stringify({ method: "connectionParams", data: { token } }));
  socket.send(JSON.stringify({ id: 1, method: "subscription", params: { path: "offers.events", input: {} } }));
  await started;
  return { socket, closed };
}

/**
 * The seeded dispatcher's client, and the driver `driverEmail`'s id, token and clients (at
 * `url`: the server, or a slow reader in front of it). Every client is closed after the tests.
 */
async function signedIn(driverEmail: string) {
  const tokens = createTokenService(TEST_JWT_SECRET);
  const signIn = async (id: number, role: "driver" | "dispatcher") =>
    tokens.sign({ id, role }, (await createSession(handle.db, tokens, id, 3_600)).sessionId);
  const idOf = async (email: string) => (await handle.db.select({ id: users.id }).from(users).where(eq(users.email, email)))[0]!.id;
  const driverId = await idOf(driverEmail);
  const { token: driverToken } = await signIn(driverId, "driver");
  const { token: dispatcherToken } = await signIn(await idOf("dispatcher@convoy.test"), "dispatcher");
  const dispatcher = createConvoyClient({ url: server.url, token: dispatcherToken, WebSocket });
  clients.push(dispatcher);
  const client = (url: string) => {
    const created = createConvoyClient({ url, token: driverToken, WebSocket });
    clients.push(created);
    return created;
  };
  return { driverId, driverToken, dispatcher, client };
}

describe("offers.events with a reader that stops reading", () => {
  it("closes its socket with 1013 once its backlog passes the cap, and @convoy/client resumes without missing or repeating an event", async () => {
    const { driverId, driverToken, dispatcher, client } = await signedIn("driver1@convoy.test");
    reader = await startSlowReader(server.port, Number.POSITIVE_INFINITY);
    // The same driver's stream read at full speed, straight from the server: what was sent.
    const control = collect<Tracked>((handlers) => client(server.url).api.offers.events.subscribe({}, handlers));
    const slow = collect<Tracked>((handlers) => client(reader!.url).api.offers.events.subscribe({}, handlers));
    const raw = await rawSubscriber(reader.url, driverToken);
    await Promise.all([control.started, slow.started]);

    reader.setRate(0);
    for (let offer = 0; offer < OFFERS; offer += 10) {
      await Promise.all(Array.from({ length: 10 }, () => dispatcher.api.offers.create.mutate(loadInput([driverId]))));
    }
    // The marker: once it arrives, every event before it has arrived too (ids are in order).
    const marker = await dispatcher.api.offers.create.mutate(loadInput([driverId]));
    // Read again at once: ws gives a closing socket's peer 30 s to read up to the close frame.
    reader.setRate(Number.POSITIVE_INFINITY);
    const hasMarker = (items: Tracked[]) => items.some((item) => item.data.offerId === marker.id);
    await control.until(hasMarker, 30_000);

    // 1013 "try again later" (`BACKLOG_CLOSE_CODE`), which tRPC's wsLink answers by reconnecting.
    const stillOpen = new Promise<string>((resolve) => setTimeout(() => resolve("still open after 30 s"), 30_000).unref());
    expect(await Promise.race([raw.closed, stillOpen])).toBe(1013);
    await slow.until(hasMarker, 60_000);
    const ids = (items: Tracked[]) => items.map((item) => Number(item.id));
    expect(control.items.length).toBeGreaterThan(OFFERS);
    expect(ids(slow.items)).toEqual(ids(control.items));
    expect(slow.errors).toEqual([]);
  }, 150_000);

  it("holds the events of a reader that stopped reading, below the cap, and sends them all in order once it reads again", async () => {
    const { driverId, driverToken, dispatcher, client } = await signedIn("driver2@convoy.test");
    pausedReader = await startSlowReader(server.port, Number.POSITIVE_INFINITY);
    const control = collect<Tracked>((handlers) => client(server.url).api.offers.events.subscribe({}, handlers));
    const paused = await rawSubscriber(pausedReader.url, driverToken);
    const frames: Tracked[] = [];
    let onFrame: () => void = () => undefined;
    paused.socket.on("message", (data: Buffer) => {
      const text = data.toString();
      if (text === "PING") return;
      const frame = JSON.parse(text) as { result?: { type: string; data?: Tracked } };
      if (frame.result?.type === "data" && frame.result.data) frames.push(frame.result.data);
      onFrame();
    });
    await control.started;

    // 60 offers of about 600 bytes: past the 16 KiB the stream holds back at (~27), short of
    // the 100 more that would shed the socket.
    pausedReader.setRate(0);
    for (let offer = 0; offer < 60; offer += 10) {
      await Promise.all(Array.from({ length: 10 }, () => dispatcher.api.offers.create.mutate(loadInput([driverId]))));
    }
    const marker = await dispatcher.api.offers.create.mutate(loadInput([driverId]));
    const hasMarker = (items: Tracked[]) => items.some((item) => item.data.offerId === marker.id);
    await control.until(hasMarker, 30_000);
    pausedReader.setRate(Number.POSITIVE_INFINITY);
    const markerArrived = new Promise<string>((resolve) => {
      onFrame = () => {
        if (hasMarker(frames)) resolve("the marker arrived");
      };
      onFrame();
    });
    const stillWaiting = new Promise<string>((resolve) => setTimeout(() => resolve("no marker 30 s after reading again"), 30_000).unref());
    expect(await Promise.race([markerArrived, stillWaiting])).toBe("the marker arrived");
    expect(frames.map((item) => Number(item.id))).toEqual(control.items.map((item) => Number(item.id)));
    expect(paused.socket.readyState).toBe(WebSocket.OPEN);
    paused.socket.close();
  }, 90_000);
});
