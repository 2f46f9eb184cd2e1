import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createPositionReporter, type PositionReporter, type ReportProblem } from "@convoy/client";
import type { FleetFrame, PositionSocketReply } from "@convoy/api";
import { useTestServer } from "./support/harness";
import { collect } from "./support/subscriptions";
import { startTcpBalancer } from "./support/tcpBalancer";
import { eventually, fleetState, locationCount, pointTrail } from "./support/tracking";

const t = useTestServer({
  positionSockets: { authTimeoutMs: 500, messageBurst: 10, messagesPerSecond: 5 },
  presenceGraceMs: 100,
});

interface RawSocket {
  ws: WebSocket;
  replies: PositionSocketReply[];
  closed: Promise<{ code: number; reason: string }>;
  send: (message: unknown) => void;
}

/** A bare position socket, to speak the protocol directly (well-formed or not). */
async function openRaw(url = t.url): Promise<RawSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/positions`);
  const replies: PositionSocketReply[] = [];
  ws.on("message", (data: Buffer) => replies.push(JSON.parse(data.toString("utf8")) as PositionSocketReply));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  return { ws, replies, closed, send: (message) => ws.send(typeof message === "string" ? message : JSON.stringify(message)) };
}

/** A raw socket signed in as demo driver `index`; resolves after `ready`. */
async function signedIn(index: number): Promise<RawSocket & { driverId: number }> {
  const driver = await t.as("driver", index);
  const raw = await openRaw();
  raw.send({ type: "auth", token: driver.token });
  const ready = await eventually(async () => raw.replies.find((reply) => reply.type === "ready"), 5_000, "ready");
  expect(ready).toEqual({ type: "ready", driverId: driver.userId });
  return Object.assign(raw, { driverId: driver.userId });
}

/** Sends a sync and waits for its answer: every message before it has been handled. */
async function synced(raw: RawSocket, seq: number): Promise<void> {
  raw.send({ type: "sync", seq });
  await eventually(
    async () => (raw.replies.some((reply) => reply.type === "synced" && reply.seq === seq) ? true : undefined),
    5_000,
    `synced ${seq}`,
  );
}

const reporters: PositionReporter[] = [];
afterEach(() => {
  for (const reporter of reporters.splice(0)) reporter.close();
});

describe("position socket", () => {
  it("delivers reports to the fleet and to MySQL with no answer per report", async () => {
    const dispatcher = await t.as("dispatcher");
    const fleet = collect<FleetFrame>((handlers) => dispatcher.api.tracking.onFleet.subscribe(undefined, handlers));
    const raw = await signedIn(1);
    const points = pointTrail(3, Date.now());
    points.forEach((point, index) => raw.send({ type: "report", seq: index + 1, points: [point] }));
    await synced(raw, 4);

    // The only answers are `ready` and `synced`: a report that is fine is not answered.
    expect(raw.replies.map((reply) => reply.type)).toEqual(["ready", "synced"]);
    await eventually(async () => (fleetState(fleet.items).get(raw.driverId)?.position?.recordedAt === points[2]!.recordedAt ? true : undefined));
    await t.server.services.tracking.flushLocations();
    expect(await locationCount(t.db, raw.driverId, points[0]!.recordedAt, points[2]!.recordedAt)).toBe(3);
    fleet.stop();
    raw.ws.close();
  });

  it("refuses sockets that do not sign in as a driver", async () => {
    const noAuth = await openRaw();
    noAuth.send({ type: "report", seq: 1, points: pointTrail(1, Date.now()) });
    expect((await noAuth.closed).code).toBe(4401);

    const badToken = await openRaw();
    badToken.send({ type: "auth", token: "not-a-token" });
    expect(await badToken.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/sign in again/) });

    const rider = await t.as("rider", 1);
    const riderSocket = await openRaw();
    riderSocket.send({ type: "auth", token: rider.token });
    expect(await riderSocket.closed).toMatchObject({ code: 4403, reason: expect.stringMatching(/only a driver/) });

    const silent = await openRaw();
    expect((await silent.closed).code).toBe(4400);
  });

  it("answers bad messages with a readable error, stores nothing from them and stays open", async () => {
    const raw = await signedIn(2);
    const before = await locationCount(t.db, raw.driverId);
    const now = Date.now();

    raw.send({ type: "report", seq: 1, driverId: 999, points: [{ lat: 41.9, lng: -87.7, recordedAt: now }] });
    raw.send({ type: "report", seq: 2, points: [{ lat: "north", lng: -87.7, recordedAt: now }] });
    raw.send("not json");
    raw.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    raw.send({ type: "report", seq: 3, points: [{ lat: 41.9, lng: -87.7, recordedAt: now - 3_600_000 }] });
    await synced(raw, 4);

    const answers = raw.replies.filter((reply) => reply.type === "error" || reply.type === "rejected");
    expect(answers).toEqual([
      { type: "error", seq: 1, code: "BAD_REQUEST", message: expect.stringMatching(/driverId/) },
      { type: "error", seq: 2, code: "BAD_REQUEST", message: expect.stringMatching(/^Invalid input: points\.0\.lat/) },
      { type: "error", seq: null, code: "BAD_REQUEST", message: "Send each message as one JSON text frame" },
      { type: "error", seq: null, code: "BAD_REQUEST", message: "Send each message as one JSON text frame" },
      { type: "rejected", seq: 3, rejected: [{ index: 0, code: "too_old", reason: expect.stringMatching(/old/) }] },
    ]);
    await t.server.services.tracking.flushLocations();
    expect(await locationCount(t.db, raw.driverId)).toBe(before);

    // Too big for one frame: the socket is closed with 1009 rather than the frame read.
    raw.send({ type: "report", seq: 5, points: [{ lat: 1, lng: 1, recordedAt: now, note: "x".repeat(20_000) }] });
    expect((await raw.closed).code).toBe(1009);
  });

  it("rate-limits each driver and keeps one socket per driver", async () => {
    const raw = await signedIn(3);
    for (let seq = 1; seq <= 15; seq++) raw.send({ type: "sync", seq });
    await eventually(async () => (raw.replies.length >= 16 ? true : undefined), 5_000, "16 replies");
    const limited = raw.replies.filter((reply) => reply.type === "error");
    expect(limited.length).toBeGreaterThanOrEqual(4);
    expect(limited[0]).toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringMatching(/try again in \d+ s/) });

    const second = await signedIn(3);
    expect(await raw.closed).toMatchObject({ code: 4409, reason: expect.stringMatching(/newer/) });
    second.ws.close();
  });

  it("counts for presence and closes when the driver logs out everywhere from another device", async () => {
    const dispatcher = await t.as("dispatcher");
    const raw = await signedIn(4);
    await eventually(async () =>
      (await dispatcher.api.presence.online.query()).online.some((entry) => entry.userId === raw.driverId) ? true : undefined,
    );

    const driver = await t.as("driver", 4);
    await driver.api.auth.logoutEverywhere.mutate();
    expect((await raw.closed).code).toBe(4001);
    await eventually(async () =>
      (await dispatcher.api.presence.online.query()).online.some((entry) => entry.userId === raw.driverId) ? undefined : true,
    );
  });
});

describe("createPositionReporter", () => {
  it("sends points reported before it connected, and flush confirms them", async () => {
    const driver = await t.as("driver", 5);
    const reporter = createPositionReporter({ url: t.url, token: driver.token, WebSocket });
    reporters.push(reporter);
    const points = pointTrail(60, Date.now(), 10);
    reporter.report(points);
    await reporter.flush();

    expect(reporter.state).toBe("open");
    expect(reporter.queuedPoints).toBe(0);
    await t.server.services.tracking.flushLocations();
    expect(await locationCount(t.db, driver.userId, points[0]!.recordedAt, points[59]!.recordedAt)).toBe(60);
  });

  it("reports refused points to the app", async () => {
    const driver = await t.as("driver", 6);
    const reporter = createPositionReporter({ url: t.url, token: driver.token, WebSocket });
    reporters.push(reporter);
    const problems: ReportProblem[] = [];
    reporter.onProblem((problem) => problems.push(problem));
    reporter.report({ lat: 91, lng: 0, recordedAt: Date.now() });
    await reporter.flush();
    expect(problems).toEqual([{ kind: "rejected", rejected: [expect.objectContaining({ index: 0, code: "invalid_coordinates" })] }]);
  });

  it("stops for good, saying why, when the token is refused", async () => {
    const reporter = createPositionReporter({ url: t.url, token: "forged", WebSocket });
    reporters.push(reporter);
    const flushed = reporter.flush();
    await expect(flushed).rejects.toThrow(/not valid or has expired/);
    expect(reporter.state).toBe("closed");
    expect(reporter.closeReason).toMatch(/sign in again/);
  });

  it("notices a connection that went dead, reconnects and sends again what the dead one swallowed", async () => {
    const driver = await t.as("driver", 7);
    const balancer = await startTcpBalancer([t.server.port]);
    try {
      const reporter = createPositionReporter({ url: balancer.url, token: driver.token, WebSocket, syncTimeoutMs: 500 });
      reporters.push(reporter);
      await reporter.flush();
      const states: string[] = [];
      reporter.onStateChange((state) => states.push(state));

      balancer.blackholeOpenConnections();
      const points = pointTrail(3, Date.now(), 100, { lat: 41.7, lng: -87.6 });
      reporter.report(points);
      // Sent into a connection that drops them; the flush's sync goes unanswered, the
      // reporter gives the socket up, reconnects and sends the three points again.
      await reporter.flush();

      expect(states).toEqual(["connecting", "open"]);
      await t.server.services.tracking.flushLocations();
      expect(await locationCount(t.db, driver.userId, points[0]!.recordedAt, points[2]!.recordedAt)).toBe(3);
    } finally {
      await balancer.close();
    }
  });
});
