import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { SESSION_ENDED_CLOSE_CODE } from "@convoy/api/server";
import { createConvoyClient } from "@convoy/client";
import { demoLogin, type DemoLogin } from "@convoy/db";
import type { RunningServer } from "../src";
import { useInstances } from "./support/instances";
import { collectFrom } from "./support/subscriptions";
import { loadInput } from "./support/fixtures";
import { frameMatching, openTrpcSocket, replyTo } from "./support/rawSockets";

/** Each instance re-reads its sessions from MySQL this often: the bound on a revocation while Redis is down. */
const RECHECK_MS = 1_000;

const instances = useInstances();
const { servers, clients } = instances;

/** An instance on the shared Redis, its rate limits there too. */
const startInstance = () =>
  instances.start((bus) => ({ rateLimitRedis: bus.commands, rateLimits: { chatPoints: 10_000 }, sessions: { recheckMs: RECHECK_MS } }));

async function login(server: RunningServer, { email, password }: DemoLogin) {
  const anonymous = createConvoyClient({ url: server.url, WebSocket });
  clients.push(anonymous);
  const { token, user } = await anonymous.api.auth.login.mutate({ email, password });
  const client = createConvoyClient({ url: server.url, token, WebSocket });
  clients.push(client);
  return Object.assign(client, { userId: user.id, token });
}

beforeAll(async () => {
  await startInstance();
  await startInstance();
});

describe("two instances on one Redis and one MySQL", () => {
  it("closes a user's sockets on every instance within a second of logout", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const driverOnA = await login(a, demoLogin("driver", 5));
    const sameUserOnB = createConvoyClient({ url: b.url, token: driverOnA.token, WebSocket, lazy: false });
    clients.push(sameUserOnB);
    // The socket counts as the user's once it has authenticated: hold a subscription on it.
    const stream = collectFrom(sameUserOnB.api.offers.events.subscribe, {});
    await stream.started;
    const closedOnB = new Promise<number>((resolve) => sameUserOnB.onConnectionStateChange((state) => state !== "open" && resolve(Date.now())));
    const loggedOutAt = Date.now();
    await driverOnA.api.auth.logout.mutate();
    expect((await closedOnB) - loggedOutAt).toBeLessThan(1_000);
    stream.stop();
  });

  it("delivers events caused on B to a subscriber on A, and loses none across a 10 s Redis outage", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const dispatcherOnA = await login(a, demoLogin("dispatcher"));
    const driverOnB = await login(b, demoLogin("driver"));
    const dispatcherOnB = await login(b, demoLogin("dispatcher"));
    const offer = await dispatcherOnB.api.offers.create.mutate(loadInput([driverOnB.userId]));

    const stream = collectFrom(dispatcherOnA.api.chat.events.subscribe, { offerId: offer.id });
    await stream.started;
    const messagesOnA = () => stream.items.flatMap((item) => ("data" in item && item.data.type === "message" ? [item.data.message.body] : []));

    const send = (body: string) => driverOnB.api.chat.send.mutate({ offerId: offer.id, body, clientMessageId: randomUUID() });
    await send("before outage");
    await stream.until(() => messagesOnA().includes("before outage"));

    // Typing is live-only and crosses instances through Redis pub/sub alone.
    await driverOnB.api.chat.typing.mutate({ offerId: offer.id, typing: true });
    await stream.until((items) => items.some((item) => !("data" in item) && item.typing));

    await instances.redis().stop();
    const sentDuringOutage: string[] = [];
    const outageEnds = Date.now() + 10_000;
    for (let i = 0; Date.now() < outageEnds; i++) {
      const body = `during outage ${i}`;
      await send(body);
      sentDuringOutage.push(body);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    await instances.redis().start();
    await send("after outage");

    await stream.until(() => messagesOnA().includes("after outage"), 20_000);
    expect(messagesOnA()).toEqual(["before outage", ...sentDuringOutage, "after outage"]);
    const ids = stream.items.flatMap((item) => ("id" in item ? [Number(item.id)] : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));

    // Live delivery through Redis works again: typing crosses instances once more.
    const typingBefore = stream.items.filter((item) => !("data" in item)).length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await driverOnB.api.chat.typing.mutate({ offerId: offer.id, typing: true });
    await stream.until((items) => items.filter((item) => !("data" in item)).length > typingBefore, 10_000);
    stream.stop();
  });

  it("with Redis down, a logout on A still closes the session's socket on B by B's MySQL re-check", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const driverOnA = await login(a, demoLogin("driver", 6));
    const socketOnB = await openTrpcSocket(b.url, driverOnA.token);
    socketOnB.send({ id: 1, method: "subscription", params: { path: "offers.events", input: {} } });
    await frameMatching(socketOnB, (message) => replyTo(1)(message) && (message as { result?: { type?: string } }).result?.type === "started");

    await instances.redis().stop();
    try {
      const loggedOutAt = Date.now();
      await driverOnA.api.auth.logout.mutate();
      const closed = await socketOnB.closed;
      expect(closed).toMatchObject({ code: SESSION_ENDED_CLOSE_CODE, reason: "logged_out" });
      // One re-check period, plus the query and the close handshake.
      expect(closed.at - loggedOutAt).toBeLessThan(RECHECK_MS + 1_000);
      const me = await fetch(`${b.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${driverOnA.token}` } });
      expect(me.status).toBe(401);
    } finally {
      await instances.redis().start();
    }
  });
});
