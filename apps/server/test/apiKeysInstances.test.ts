import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createInProcessBus, SESSION_ENDED_CLOSE_CODE } from "@convoy/api/server";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { demoLogin } from "@convoy/db";
import type { RunningServer } from "../src";
import { useInstances } from "./support/instances";
import { failure } from "./support/offerFixtures";
import { collectFrom } from "./support/subscriptions";
import { openTrpcSocket, frameMatching, replyTo } from "./support/rawSockets";

/** How often each instance re-reads the keys it holds: the bound on a revocation that misses the bus. */
const RECHECK_MS = 1_000;

const instances = useInstances();
const { servers, clients } = instances;

/** An instance on the shared Redis. */
const startInstance = () => instances.start(() => ({ apiKeys: { recheckMs: RECHECK_MS } }));

function client(url: string, credentials: { apiKey?: string; token?: string }): ConvoyClient {
  const made = createConvoyClient({ url, WebSocket, ...credentials });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  await startInstance();
  await startInstance();
});

async function dispatcherOn(server: RunningServer): Promise<ConvoyClient> {
  const { email, password } = demoLogin("dispatcher", 1);
  const { token } = await client(server.url, {}).api.auth.login.mutate({ email, password });
  return client(server.url, { token });
}

describe("a key revoked on one instance", () => {
  it("closes its sockets on another instance within a second, through Redis", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const dispatcher = await dispatcherOn(a);
    const created = await dispatcher.api.apiKeys.create.mutate({ name: "follower", scopes: ["trips:read"] });
    const service = client(b.url, { apiKey: created.key });
    const stream = collectFrom(service.api.trips.events.subscribe, {});
    await stream.started;
    const ended = new Promise<number>((resolve) => service.onSessionEnded(() => resolve(Date.now())));

    const revokedAt = Date.now();
    await dispatcher.api.apiKeys.revoke.mutate({ keyId: created.id });
    expect((await ended) - revokedAt).toBeLessThan(1_000);
    expect(service.sessionEnded).toEqual({ reason: "key_revoked" });
    expect(await failure(service.api.auth.me.query())).toMatchObject({ code: "UNAUTHORIZED", message: "This API key has been revoked" });
    stream.stop();
  });

  it("closes them on an instance that misses the bus by its re-read of MySQL", async () => {
    const [a] = servers as [RunningServer, RunningServer];
    // On a bus of its own, it hears no other instance: only its MySQL re-check can close the socket.
    const deaf = await instances.startApart(createInProcessBus(), { apiKeys: { recheckMs: RECHECK_MS } });
    const dispatcher = await dispatcherOn(a);
    const created = await dispatcher.api.apiKeys.create.mutate({ name: "follower", scopes: ["trips:read"] });
    const raw = await openTrpcSocket(deaf.url, created.key);
    raw.send({ id: 1, method: "subscription", params: { path: "trips.events", input: {} } });
    await frameMatching(raw, replyTo(1));

    const revokedAt = Date.now();
    await dispatcher.api.apiKeys.revoke.mutate({ keyId: created.id });
    const closed = await raw.closed;
    expect(closed).toMatchObject({ code: SESSION_ENDED_CLOSE_CODE, reason: "key_revoked" });
    expect(closed.at - revokedAt).toBeLessThan(RECHECK_MS + 1_000);
  });
});
