import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { FleetFrame } from "@convoy/api";
import { createSession, createTokenService } from "@convoy/api/server";
import { createConvoyClient, createPositionReporter, type ConvoyClient, type PositionReporter } from "@convoy/client";
import { createDb, DEMO_ACCOUNT_COUNTS, ensureDatabase, eq, migrate, seed, SIMULATED_DRIVER_COUNT, users, type DbHandle } from "@convoy/db";
import { TEST_JWT_SECRET } from "./support/config";
import { createTestDatabase } from "./support/harness";
import { spawnServer, type ServerProcess } from "./support/process";
import { startSlowReader, type SlowReader } from "./support/slowReader";
import { collect, type Collected } from "./support/subscriptions";
import { eventually, insertDrivers } from "./support/tracking";

/** 500 drivers, one point a second each: about 70 KB/s of fleet frames per dispatcher. */
const DRIVERS = 500;
/** A phone on a poor link. */
const SLOW_BYTES_PER_S = 5_000;
/** The server's default unread threshold (`SOCKET_UNREAD_LIMIT_BYTES`). */
const THRESHOLD_BYTES = 65_536;
const RUN_MS = 60_000;
const PAUSE_MS = 20_000;

interface Received {
  frame: FleetFrame;
  /** Test clock at receipt minus the frame's build time (same machine clock), ms. */
  lagMs: number;
  at: number;
}

function record(client: ConvoyClient): { frames: Received[]; stream: Collected<FleetFrame> } {
  const frames: Received[] = [];
  const stream = collect<FleetFrame>((handlers) =>
    client.api.tracking.onFleet.subscribe(undefined, {
      ...handlers,
      onData: (frame) => {
        const now = Date.now();
        frames.push({ frame, lagMs: now - frame.at, at: now });
        handlers.onData(frame);
      },
    }),
  );
  return { frames, stream };
}

let database: { url: string; drop: () => Promise<void> };
let handle: DbHandle;
let server: ServerProcess;
const readers: SlowReader[] = [];
const clients: ConvoyClient[] = [];
const reporters: PositionReporter[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await ensureDatabase(database.url);
  handle = createDb(database.url, { connectionLimit: 2 });
  await migrate(handle.db);
  await seed(handle.db);
  // The seed has made the demo and the simulated drivers.
  await insertDrivers(handle.db, DRIVERS - DEMO_ACCOUNT_COUNTS.driver - SIMULATED_DRIVER_COUNT, "slow-fleet-");
  server = await spawnServer({ DATABASE_URL: database.url });
}, 60_000);

afterAll(async () => {
  for (const reporter of reporters) reporter.close();
  await Promise.allSettled(clients.map((client) => client.close()));
  await Promise.allSettled(readers.map((reader) => reader.close()));
  server.child.kill("SIGKILL");
  await server.exited;
  await handle.close();
  await database.drop();
});

describe("tracking.onFleet with a slow reader", () => {
  it(
    "keeps a 5 KB/s reader's lag bounded, gives a paused reader only fresh state on resume, and leaves a normal dispatcher unaffected",
    async () => {
      const tokens = createTokenService(TEST_JWT_SECRET);
      const signIn = async (id: number, role: "driver" | "dispatcher") =>
        tokens.sign({ id, role }, (await createSession(handle.db, tokens, id, 3_600)).sessionId);
      const driverRows = await handle.db.select({ id: users.id }).from(users).where(eq(users.role, "driver"));
      expect(driverRows).toHaveLength(DRIVERS);
      const [dispatcher] = await handle.db.select({ id: users.id }).from(users).where(eq(users.email, "dispatcher@convoy.test"));
      const { token: dispatcherToken } = await signIn(dispatcher!.id, "dispatcher");

      for (const { id } of driverRows) {
        const { token } = await signIn(id, "driver");
        reporters.push(createPositionReporter({ url: server.url, token, WebSocket }));
      }
      // Every driver reports one point a second, a tenth of them every 100 ms.
      let tick = 0;
      const report = () => {
        const now = Date.now();
        const moved = tick * 1e-5;
        for (let index = tick % 10; index < reporters.length; index += 10) {
          reporters[index]!.report({ lat: 41.7 + (index % 25) * 0.01 + moved, lng: -87.8 + Math.floor(index / 25) * 0.01, recordedAt: now });
        }
        tick += 1;
      };
      report();
      await Promise.all(reporters.map((reporter) => reporter.flush()));
      const reporting = setInterval(report, 100);

      try {
        const slowReader = await startSlowReader(server.port, SLOW_BYTES_PER_S);
        const pausedReader = await startSlowReader(server.port, Number.POSITIVE_INFINITY);
        readers.push(slowReader, pausedReader);
        const dispatcherOn = (url: string) => {
          const client = createConvoyClient({ url, token: dispatcherToken, WebSocket });
          clients.push(client);
          return client;
        };
        const normal = record(dispatcherOn(server.url));
        const slow = record(dispatcherOn(slowReader.url));
        const paused = record(dispatcherOn(pausedReader.url));
        const started = Date.now();
        await Promise.all([normal.stream.until((items) => items.length > 0, 20_000), paused.stream.until((items) => items.length > 0, 20_000)]);

        // The paused reader stops reading for PAUSE_MS, then reads at full speed again.
        pausedReader.setRate(0);
        const pausedAt = Date.now();
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
        const framesBeforeResume = paused.frames.length;
        const resumedAt = Date.now();
        pausedReader.setRate(Number.POSITIVE_INFINITY);
        // Whatever was queued for it arrives first; a frame built after the resume proves the queue is through.
        await eventually(
          async () => (paused.frames.some((item) => item.frame.at >= resumedAt) ? true : undefined),
          15_000,
          "a fresh frame after resume",
        );
        const afterResume = paused.frames.slice(framesBeforeResume).filter((item) => item.frame.at < resumedAt);
        const stale = afterResume.filter((item) => item.frame.at < pausedAt + PAUSE_MS - 2_000);

        // The rest of the run: the slow reader keeps reading at its rate meanwhile.
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, RUN_MS - (Date.now() - started))));

        const slowLags = slow.frames.map((item) => item.lagMs);
        const normalLags = normal.frames.map((item) => item.lagMs);
        const seconds = (Date.now() - started) / 1_000;
        console.info(
          JSON.stringify({
            slow: { frames: slowLags.length, maxLagMs: Math.max(...slowLags), lastLagMs: slowLags.at(-1), bytesRead: slowReader.bytesRead },
            paused: { framesAfterResume: afterResume.length, stale: stale.length },
            normal: { frames: normalLags.length, perS: normalLags.length / seconds, maxLagMs: Math.max(...normalLags) },
          }),
        );

        // Unread bytes stay under the threshold, so at most the threshold's worth of old
        // frames (about 7 KB each) waits in the buffers, then one merged frame.
        expect(stale.length).toBeLessThanOrEqual(Math.ceil(THRESHOLD_BYTES / 5_000) + 2);
        // The slow reader is still served (not closed) and never further behind than the
        // threshold plus one frame of every driver (about 75 KB) take at 5 KB/s, with slack.
        const lagBoundMs = ((THRESHOLD_BYTES + 75_000) / SLOW_BYTES_PER_S) * 1_000 + 5_000;
        expect(slow.stream.errors).toEqual([]);
        expect(slow.frames.length).toBeGreaterThan(2);
        expect(Math.max(...slowLags)).toBeLessThan(lagBoundMs);
        // The normal dispatcher keeps its 10 frames a second, each within a second of being built.
        expect(normalLags.length / seconds).toBeGreaterThan(5);
        expect(Math.max(...normalLags.slice(1))).toBeLessThan(1_500);
      } finally {
        clearInterval(reporting);
      }
    },
    RUN_MS + 90_000,
  );
});
