import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { SESSION_ENDED_CLOSE_CODE } from "@convoy/api/server";
import { apiKeys, eq, offers, users, type ApiKeyScope } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { createExtraUsers, loginExtra } from "./support/fixtures";
import { failure, loadInput } from "./support/offerFixtures";
import { frameMatching, openTrpcSocket, replyTo } from "./support/rawSockets";
import { collectFrom } from "./support/subscriptions";
import { eventually } from "./support/tracking";

const LAST_USED_WRITE_MS = 1_000;
const t = useTestServer({ apiKeys: { callsPerSecond: 20, burst: 40, lastUsedWriteMs: LAST_USED_WRITE_MS, recheckMs: 500 } });

const keyClients: ConvoyClient[] = [];
afterAll(async () => {
  await Promise.allSettled(keyClients.map((client) => client.close()));
});

/** A client that calls with `key` in place of a token, one HTTP request per call. */
function withKey(key: string): ConvoyClient {
  const client = createConvoyClient({ url: t.url, apiKey: key, WebSocket, batch: false });
  keyClients.push(client);
  return client;
}

/** A dispatcher of the test's own, so keys and limits do not mix between tests. */
async function newDispatcher(prefix: string): Promise<LoggedInClient> {
  const [row] = await createExtraUsers(t.db, "dispatcher", 1, prefix);
  return loginExtra(t, row!.email);
}

async function keyFor(dispatcher: LoggedInClient, scopes: ApiKeyScope[], name = "test service") {
  return dispatcher.api.apiKeys.create.mutate({ name, scopes });
}

/** POSTs one mutation with `Authorization: Bearer <credential>`. */
async function httpMutation(path: string, credential: string, input: unknown) {
  const response = await fetch(`${t.url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { error?: { message: string; data: { code: string; sessionEnded: string | null } } };
  return { status: response.status, body };
}

describe("apiKeys.create, list and revoke", () => {
  it("are for dispatchers only, and a dispatcher sees and revokes only their own keys", async () => {
    const driver = await t.as("driver", 1);
    const rider = await t.as("rider", 1);
    for (const client of [driver, rider]) {
      const refused = await failure(client.api.apiKeys.create.mutate({ name: "mine", scopes: ["trips:read"] }));
      expect(refused.code).toBe("FORBIDDEN");
      expect(refused.message).toMatch(/Only a dispatcher can do this/);
      expect((await failure(client.api.apiKeys.list.query())).code).toBe("FORBIDDEN");
      expect((await failure(client.api.apiKeys.revoke.mutate({ keyId: 1 }))).code).toBe("FORBIDDEN");
    }

    const owner = await newDispatcher("key-owner");
    const other = await newDispatcher("key-other");
    const created = await keyFor(owner, ["trips:read"]);
    expect((await other.api.apiKeys.list.query()).map((key) => key.id)).not.toContain(created.id);
    const notYours = await failure(other.api.apiKeys.revoke.mutate({ keyId: created.id }));
    expect(notYours).toMatchObject({ code: "NOT_FOUND", message: "API key not found" });
    // Still working: the other dispatcher's attempt changed nothing.
    expect((await withKey(created.key).api.auth.me.query()).id).toBe(owner.userId);

    const revoked = await owner.api.apiKeys.revoke.mutate({ keyId: created.id });
    expect(revoked.revokedAt).toBeGreaterThan(0);
    // Revoking again changes nothing.
    expect((await owner.api.apiKeys.revoke.mutate({ keyId: created.id })).revokedAt).toBe(revoked.revokedAt);
    const [listed] = (await owner.api.apiKeys.list.query()).filter((key) => key.id === created.id);
    expect(listed).toMatchObject({ id: created.id, name: "test service", scopes: ["trips:read"], revokedAt: revoked.revokedAt });
  });

  it("cannot be called with a key, whatever its scopes", async () => {
    const dispatcher = await newDispatcher("key-manager");
    const { key, id } = await keyFor(dispatcher, [
      "offers:read",
      "offers:write",
      "trips:read",
      "trips:write",
      "tracking:read",
      "drivers:read",
      "chat:read",
      "chat:write",
    ]);
    const client = withKey(key);
    for (const call of [
      () => client.api.apiKeys.create.mutate({ name: "child", scopes: ["trips:read"] }),
      () => client.api.apiKeys.list.query(),
      () => client.api.apiKeys.revoke.mutate({ keyId: id }),
      () => client.api.auth.logoutEverywhere.mutate(),
      () => client.api.auth.changePassword.mutate({ currentPassword: "extra-pass-123", newPassword: "another-pass-456" }),
    ]) {
      const refused = await failure(call());
      expect(refused.code).toBe("FORBIDDEN");
      expect(refused.message).toMatch(/cannot be called with an API key; sign in as the dispatcher instead/);
    }
    // The dispatcher's own session is untouched.
    expect((await dispatcher.api.auth.me.query()).id).toBe(dispatcher.userId);
  });
});

describe("the secret", () => {
  it("is shown once, at creation, and only its SHA-256 is stored", async () => {
    const dispatcher = await newDispatcher("key-secret");
    const created = await keyFor(dispatcher, ["trips:read"]);
    const match = /^cvk_(\d+)_([A-Za-z0-9_-]{43})$/.exec(created.key);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBe(created.id);
    // 43 base64url characters: 256 random bits.
    expect(Buffer.from(match![2]!, "base64url")).toHaveLength(32);
    expect(created.hint).toBe(`cvk_${created.id}_…`);

    const listed = await dispatcher.api.apiKeys.list.query();
    expect(JSON.stringify(listed)).not.toContain(match![2]);
    expect(listed.find((key) => key.id === created.id)).not.toHaveProperty("key");

    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(JSON.stringify(row)).not.toContain(match![2]);
    expect(row!.secretHash).toBe(createHash("sha256").update(match![2]!).digest("hex"));
  });
});

describe("scopes", () => {
  it("let a key do what its scopes and its dispatcher allow, and refuse the rest with the scope it lacks", async () => {
    const dispatcher = await newDispatcher("key-scopes");
    const driver = await t.as("driver", 2);
    const reader = withKey((await keyFor(dispatcher, ["trips:read"])).key);
    const writer = withKey((await keyFor(dispatcher, ["offers:write", "offers:read"])).key);

    expect(Array.isArray((await reader.api.trips.list.query({})).items)).toBe(true);
    expect((await reader.api.auth.me.query()).id).toBe(dispatcher.userId);
    const refused = await failure(reader.api.offers.create.mutate(loadInput([driver.userId])));
    expect(refused).toMatchObject({
      code: "FORBIDDEN",
      message: 'This API key lacks the "offers:write" scope that offers.create needs; create a key with it',
    });
    expect((await failure(reader.api.drivers.list.query({}))).message).toMatch(/lacks the "drivers:read" scope/);
    expect(await t.db.select().from(offers).where(eq(offers.createdBy, dispatcher.userId))).toEqual([]);

    // The offer is the dispatcher's, as if they had made it.
    const offer = await writer.api.offers.create.mutate(loadInput([driver.userId]));
    const [stored] = await t.db.select().from(offers).where(eq(offers.id, offer.id));
    expect(stored!.createdBy).toBe(dispatcher.userId);
    expect((await writer.api.offers.byId.query({ offerId: offer.id })).id).toBe(offer.id);
    // A driver's procedure stays refused: the key acts as a dispatcher.
    expect((await failure(writer.api.offers.respond.mutate({ offerId: offer.id, action: "accept" }))).code).toBe("FORBIDDEN");

    // Subscriptions too, on the socket.
    const stream = collectFrom(reader.api.offers.events.subscribe, {});
    await eventually(async () => (stream.errors.length > 0 ? true : undefined), 5_000, "the subscription's refusal");
    expect(String(stream.errors[0])).toMatch(/lacks the "offers:read" scope that offers.events needs/);
    stream.stop();
  });
});

describe("a key that does not work", () => {
  it("is UNAUTHORIZED whether malformed, unknown, with the wrong secret, revoked, expired or of a disabled dispatcher (until re-enabled)", async () => {
    const dispatcher = await newDispatcher("key-bad");
    const real = await keyFor(dispatcher, ["trips:read"]);
    const wrongSecret = `cvk_${real.id}_${"A".repeat(43)}`;
    for (const bad of ["cvk_", "cvk_abc_def", `cvk_999999_${"B".repeat(43)}`, wrongSecret, `${real.key}x`]) {
      const { status, body } = await httpMutation("offers.cancel", bad, { offerId: 1 });
      expect({ bad, status }).toEqual({ bad, status: 401 });
      expect(body.error).toMatchObject({
        message: "This API key is not valid: no such key, or not as it was issued",
        data: { code: "UNAUTHORIZED" },
      });
    }

    await dispatcher.api.apiKeys.revoke.mutate({ keyId: real.id });
    const revoked = await httpMutation("offers.cancel", real.key, { offerId: 1 });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toMatchObject({
      message: "This API key has been revoked",
      data: { code: "UNAUTHORIZED", sessionEnded: "key_revoked" },
    });
    // The wrong secret for a revoked key learns nothing about it.
    expect((await httpMutation("offers.cancel", wrongSecret, { offerId: 1 })).body.error?.message).toMatch(/not valid/);

    const expiring = await dispatcher.api.apiKeys.create.mutate({ name: "short-lived", scopes: ["trips:read"], expiresInDays: 1 });
    expect(expiring.expiresAt! - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    expect((await withKey(expiring.key).api.auth.me.query()).id).toBe(dispatcher.userId);
    await t.db
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1_000) })
      .where(eq(apiKeys.id, expiring.id));
    const expired = await eventually(async () => {
      const answer = await httpMutation("offers.cancel", expiring.key, { offerId: 1 });
      return answer.status === 401 ? answer : undefined;
    });
    expect(expired.body.error).toMatchObject({ message: "This API key has expired; create a new one", data: { sessionEnded: "expired" } });

    const live = await keyFor(dispatcher, ["trips:read"]);
    const socket = await openTrpcSocket(t.url, live.key);
    socket.send({ id: 1, method: "query", params: { path: "auth.me", input: null } });
    await frameMatching(socket, replyTo(1));
    await t.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, dispatcher.userId));
    expect(await socket.closed).toMatchObject({ code: SESSION_ENDED_CLOSE_CODE, reason: "user_disabled" });
    const disabled = await httpMutation("offers.cancel", live.key, { offerId: 1 });
    expect(disabled.body.error).toMatchObject({ message: "This account has been disabled", data: { code: "UNAUTHORIZED" } });
    // Switched back on, the dispatcher's keys work again: only revocation and expiry are final.
    await t.db.update(users).set({ disabledAt: null }).where(eq(users.id, dispatcher.userId));
    expect((await withKey(live.key).api.auth.me.query()).id).toBe(dispatcher.userId);
  });
});

describe("a revoked key's sockets", () => {
  it("close within a second, with the reason, and the client stops", async () => {
    const dispatcher = await newDispatcher("key-socket");
    const created = await keyFor(dispatcher, ["trips:read", "offers:read"]);
    const service = withKey(created.key);
    const trips = collectFrom(service.api.trips.events.subscribe, {});
    const offerStream = collectFrom(service.api.offers.events.subscribe, {});
    await Promise.all([trips.started, offerStream.started]);
    const raw = await openTrpcSocket(t.url, created.key);
    raw.send({ id: 1, method: "subscription", params: { path: "trips.events", input: {} } });
    await frameMatching(raw, replyTo(1));
    const ended = new Promise<{ reason: string; at: number }>((resolve) =>
      service.onSessionEnded(({ reason }) => resolve({ reason, at: Date.now() })),
    );

    const revokedAt = Date.now();
    await dispatcher.api.apiKeys.revoke.mutate({ keyId: created.id });
    const closed = await raw.closed;
    expect(closed).toMatchObject({ code: SESSION_ENDED_CLOSE_CODE, reason: "key_revoked" });
    expect(closed.at - revokedAt).toBeLessThan(1_000);
    const end = await ended;
    expect(end.reason).toBe("key_revoked");
    expect(end.at - revokedAt).toBeLessThan(1_000);
    expect(service.sessionEnded).toEqual({ reason: "key_revoked" });
    trips.stop();
    offerStream.stop();
  });
});

describe("each key's budget", () => {
  it("refuses calls past it with TOO_MANY_REQUESTS, and another key of the same dispatcher is not held back", async () => {
    const dispatcher = await newDispatcher("key-budget");
    const busy = withKey((await keyFor(dispatcher, ["trips:read"])).key);
    const quiet = withKey((await keyFor(dispatcher, ["trips:read"])).key);
    const outcomes = await Promise.all(Array.from({ length: 80 }, () => failure(busy.api.auth.me.query()).catch(() => "answered" as const)));
    const refusals = outcomes.filter((outcome) => outcome !== "answered");
    expect(outcomes.filter((outcome) => outcome === "answered").length).toBeGreaterThanOrEqual(40);
    expect(refusals.length).toBeGreaterThan(0);
    for (const refused of refusals) {
      expect(refused.code).toBe("TOO_MANY_REQUESTS");
      expect(refused.message).toMatch(/^Too many calls with this API key: at most 20 a second \(40 at once\); try again in \d+ s$/);
    }
    expect((await quiet.api.auth.me.query()).id).toBe(dispatcher.userId);
  });
});

describe("lastUsedAt", () => {
  it("is written on first use, then at most once per period however often the key is used", async () => {
    const dispatcher = await newDispatcher("key-last-used");
    const created = await keyFor(dispatcher, ["trips:read"]);
    expect(created.lastUsedAt).toBeNull();
    const service = withKey(created.key);
    const before = Date.now();
    await service.api.auth.me.query();
    const after = Date.now();
    const lastUsed = async () => (await dispatcher.api.apiKeys.list.query()).find((key) => key.id === created.id)?.lastUsedAt ?? undefined;
    const first = await eventually(lastUsed, 5_000, "the first lastUsedAt");
    expect(first).toBeGreaterThanOrEqual(before - 5);
    expect(first).toBeLessThanOrEqual(after + 5);

    // Used all the time from now on: the stamp moves, but never sooner than a period after the last.
    const second = await eventually(async () => {
      await service.api.auth.me.query();
      const stamp = await lastUsed();
      return stamp !== undefined && stamp !== first ? stamp : undefined;
    }, 10_000);
    expect(second - first).toBeGreaterThanOrEqual(LAST_USED_WRITE_MS);
  });
});

describe("input limits", () => {
  it("refuse bad names, scopes and lifetimes with a readable BAD_REQUEST, and more than 50 active keys with CONFLICT", async () => {
    const dispatcher = await newDispatcher("key-limits");
    const cases: [unknown, RegExp][] = [
      [{ name: "", scopes: ["trips:read"] }, /name: name is required/],
      [{ name: "   ", scopes: ["trips:read"] }, /name: name is required/],
      [{ name: "x".repeat(81), scopes: ["trips:read"] }, /name: name must be at most 80 characters/],
      [{ name: "a", scopes: [] }, /scopes: give the key at least one scope/],
      [{ name: "a", scopes: ["trips:delete"] }, /scopes\.0: each scope must be one of offers:read, offers:write, trips:read/],
      [{ name: "a", scopes: ["trips:read", "trips:read"] }, /scopes: each scope may be listed once/],
      [{ name: "a", scopes: "trips:read" }, /scopes: /],
      [{ name: "a", scopes: ["trips:read"], expiresInDays: 0 }, /expiresInDays: expiresInDays must be at least 1/],
      [{ name: "a", scopes: ["trips:read"], expiresInDays: 3_651 }, /expiresInDays: expiresInDays must be at most 3650/],
      [{ name: "a", scopes: ["trips:read"], expiresInDays: 1.5 }, /expiresInDays: expiresInDays must be a whole number of days/],
    ];
    for (const [input, message] of cases) {
      const refused = await failure(dispatcher.api.apiKeys.create.mutate(input as never));
      expect({ input, code: refused.code }).toEqual({ input, code: "BAD_REQUEST" });
      expect(refused.message).toMatch(message);
    }
    expect((await failure(dispatcher.api.apiKeys.revoke.mutate({ keyId: -1 }))).code).toBe("BAD_REQUEST");
    expect(await dispatcher.api.apiKeys.list.query()).toEqual([]);

    for (let i = 0; i < 50; i++) await keyFor(dispatcher, ["trips:read"], `key ${i}`);
    const tooMany = await failure(keyFor(dispatcher, ["trips:read"]));
    expect(tooMany).toMatchObject({ code: "CONFLICT", message: "You have 50 active API keys, the most allowed; revoke one first" });
    const [oldest] = (await dispatcher.api.apiKeys.list.query()).slice(-1);
    await dispatcher.api.apiKeys.revoke.mutate({ keyId: oldest!.id });
    expect((await keyFor(dispatcher, ["trips:read"], "replacement")).name).toBe("replacement");
  });
});
