import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { SESSION_ENDED_CLOSE_CODE } from "@convoy/api/server";
import { eq, sessions, users } from "@convoy/db";
import { useTestServer } from "./support/harness";
import { createExtraUsers, loginExtra } from "./support/fixtures";
import { loadInput } from "./support/offerFixtures";
import { area, rideInput } from "./support/tripFixtures";
import { frameMatching, openTrpcSocket, replyTo } from "./support/rawSockets";
import { eventually } from "./support/tracking";

// No grace for a raced refresh, so a second use of a refresh token is always reuse here.
const t = useTestServer({ sessions: { refreshRaceGraceMs: 0, recheckMs: 500 } });

async function errorOf(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error("expected the call to fail");
}

/** `GET`s a tRPC procedure the way an HTTP event stream is opened. */
function httpGet(path: string, token: string, input: unknown = {}) {
  return fetch(`${t.url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
  });
}

/** POSTs one tRPC mutation with raw fetch. */
async function httpMutation(path: string, token: string | null, input: unknown) {
  const response = await fetch(`${t.url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  return {
    status: response.status,
    body: (await response.json()) as { result?: { data: unknown }; error?: { message: string; data: { code: string; sessionEnded: string | null } } },
  };
}

/** Opens a driver's position socket and sends `auth`; resolves with how it ended or "ready". */
async function positionSocketAuth(token: string): Promise<{ code: number; reason: string } | "ready"> {
  const socket = new WebSocket(`${t.url.replace("http", "ws")}/positions`);
  await new Promise((resolve) => socket.once("open", resolve));
  socket.send(JSON.stringify({ type: "auth", token }));
  return new Promise((resolve) => {
    socket.once("message", (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as { type: string };
      if (reply.type === "ready") {
        socket.close();
        resolve("ready");
      }
    });
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

describe("HTTP event streams", () => {
  it("are refused with a clear message: subscriptions live on the WebSocket, where sessions close them", async () => {
    const dispatcher = await t.as("dispatcher");
    const response = await httpGet("offers.events", dispatcher.token);
    expect(response.status).toBe(405);
    const text = await response.text();
    expect(text).toContain("Subscriptions are served over the WebSocket");
    expect(text).not.toContain("offer.created");
  });
});

describe("a deleted user's token", () => {
  it("gets UNAUTHORIZED on every procedure, socket and the position socket, never a 500", async () => {
    const [driverRow] = await createExtraUsers(t.db, "driver", 1, "deleted-driver");
    const [riderRow] = await createExtraUsers(t.db, "rider", 1, "deleted-rider");
    const [dispatcherRow] = await createExtraUsers(t.db, "dispatcher", 1, "deleted-dispatcher");
    const driver = await loginExtra(t, driverRow!.email);
    const rider = await loginExtra(t, riderRow!.email);
    const dispatcher = await loginExtra(t, dispatcherRow!.email);
    // Used once before the delete, so each session is held in the server's memory.
    for (const client of [driver, rider, dispatcher]) await client.api.auth.me.query();
    const socket = await openTrpcSocket(t.url, dispatcher.token);
    socket.send({ id: 1, method: "query", params: { path: "auth.me", input: null } });
    await frameMatching(socket, replyTo(1));

    await t.db.delete(users).where(eq(users.id, driverRow!.id));
    await t.db.delete(users).where(eq(users.id, riderRow!.id));
    await t.db.delete(users).where(eq(users.id, dispatcherRow!.id));

    // The open socket closes within the re-check period, naming the reason.
    const closed = await socket.closed;
    expect(closed).toMatchObject({ code: SESSION_ENDED_CLOSE_CODE, reason: "user_deleted" });

    const create = await httpMutation("offers.create", dispatcher.token, loadInput([1]));
    expect(create.status).toBe(401);
    expect(create.body.error?.data).toMatchObject({ code: "UNAUTHORIZED", sessionEnded: "user_deleted" });
    const request = await httpMutation("trips.request", rider.token, rideInput(area(5)));
    expect(request.status).toBe(401);
    const report = await httpMutation("tracking.report", driver.token, { points: [{ lat: 41.9, lng: -87.6, recordedAt: Date.now() }] });
    expect(report.status).toBe(401);
    for (const client of [driver, rider, dispatcher]) {
      expect((await errorOf(client.api.auth.me.query())).data?.code).toBe("UNAUTHORIZED");
    }

    const ws = await openTrpcSocket(t.url, rider.token);
    ws.send({ id: 2, method: "mutation", params: { path: "trips.request", input: rideInput(area(6)) } });
    const reply = (await frameMatching(ws, replyTo(2))) as { error?: { data: { code: string } } };
    expect(reply.error?.data.code).toBe("UNAUTHORIZED");
    ws.socket.close();

    const position = await positionSocketAuth(driver.token);
    expect(position).toMatchObject({ code: 4401, reason: "This account no longer exists" });
  });
});

describe("a disabled user", () => {
  it("is signed out everywhere within a second and cannot sign in again", async () => {
    const [row] = await createExtraUsers(t.db, "driver", 1, "disabled-driver");
    const driver = await loginExtra(t, row!.email);
    const socket = await openTrpcSocket(t.url, driver.token);
    socket.send({ id: 1, method: "query", params: { path: "auth.me", input: null } });
    await frameMatching(socket, replyTo(1));

    const disabledAt = Date.now();
    await t.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, row!.id));
    const closed = await socket.closed;
    expect(closed).toMatchObject({ code: SESSION_ENDED_CLOSE_CODE, reason: "user_disabled" });
    expect(closed.at - disabledAt).toBeLessThan(2_000);

    const me = await errorOf(driver.api.auth.me.query());
    expect(me.data?.code).toBe("UNAUTHORIZED");
    expect(me.message).toBe("This account has been disabled");
    expect(await positionSocketAuth(driver.token)).toMatchObject({ code: 4401 });
    const login = await errorOf(t.anonymous().api.auth.login.mutate({ email: row!.email, password: "extra-pass-123" }));
    expect(login.data?.code).toBe("FORBIDDEN");
  });
});

describe("auth.refresh", () => {
  it("rotates the refresh token on every use and the new access token works", async () => {
    const driver = await t.as("driver", 8);
    const first = await t.anonymous().api.auth.refresh.mutate({ refreshToken: driver.refreshToken });
    expect(first.refreshToken).toBeDefined();
    expect(first.refreshToken).not.toBe(driver.refreshToken);
    expect(first.token).not.toBe(driver.token);
    expect(first.expiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const second = await t.anonymous().api.auth.refresh.mutate({ refreshToken: first.refreshToken! });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const [row] = await t.db.select().from(sessions).where(eq(sessions.userId, driver.userId)).orderBy(sessions.id);
    // Only hashes are stored.
    expect(JSON.stringify(row)).not.toContain(second.refreshToken!);
    const viaHttp = await httpMutation("auth.refresh", null, { refreshToken: "x".repeat(43) });
    expect(viaHttp.body.error?.data.code).toBe("UNAUTHORIZED");
  });

  it("ends the session when an already rotated refresh token comes back", async () => {
    const [row] = await createExtraUsers(t.db, "dispatcher", 1, "reuse");
    const dispatcher = await loginExtra(t, row!.email);
    const socket = await openTrpcSocket(t.url, dispatcher.token);
    socket.send({ id: 1, method: "query", params: { path: "auth.me", input: null } });
    await frameMatching(socket, replyTo(1));
    const rotated = await t.anonymous().api.auth.refresh.mutate({ refreshToken: dispatcher.refreshToken });

    const reuse = await errorOf(t.anonymous().api.auth.refresh.mutate({ refreshToken: dispatcher.refreshToken }));
    expect(reuse.data?.code).toBe("UNAUTHORIZED");
    expect(reuse.data).toMatchObject({ sessionEnded: "refresh_reused" });
    // The thief's copy and the rightful new tokens are all dead now.
    expect(await socket.closed).toMatchObject({ code: SESSION_ENDED_CLOSE_CODE, reason: "refresh_reused" });
    expect((await errorOf(t.anonymous().api.auth.refresh.mutate({ refreshToken: rotated.refreshToken! }))).data?.code).toBe("UNAUTHORIZED");
    const me = await httpMutation("auth.logout", rotated.token, {});
    expect(me.status).toBe(401);
  });

  it("sets the refresh token only as an HttpOnly, SameSite=Strict cookie scoped to the refresh endpoint when asked", async () => {
    const response = await fetch(`${t.url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "driver9@convoy.test", password: "drive123", refreshCookie: "driver" }),
    });
    const body = (await response.json()) as { result: { data: { token: string; refreshToken?: string } } };
    expect(body.result.data.token).toBeTruthy();
    expect(body.result.data.refreshToken).toBeUndefined();
    const cookie = response.headers.getSetCookie()[0] ?? "";
    expect(cookie).toMatch(/^convoy_refresh_driver=[\w.-]+; /);
    expect(cookie).toContain("Path=/trpc/auth.refresh");
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");

    const refreshed = await fetch(`${t.url}/trpc/auth.refresh`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: cookie.split(";")[0]! },
      body: JSON.stringify({ refreshCookie: "driver" }),
    });
    expect(refreshed.status).toBe(200);
    const next = response.headers.getSetCookie()[0] ?? "";
    expect(refreshed.headers.getSetCookie()[0]).not.toBe(next);
  });
});

describe("ending sessions", () => {
  it("logout ends only this session; logoutEverywhere ends them all", async () => {
    const [row] = await createExtraUsers(t.db, "driver", 1, "everywhere");
    const phone = await loginExtra(t, row!.email);
    const laptop = await loginExtra(t, row!.email);
    const tablet = await loginExtra(t, row!.email);
    await phone.api.auth.logout.mutate();
    expect((await errorOf(phone.api.auth.me.query())).data?.code).toBe("UNAUTHORIZED");
    expect(await laptop.api.auth.me.query()).toMatchObject({ id: row!.id });

    const socket = await openTrpcSocket(t.url, tablet.token);
    socket.send({ id: 1, method: "query", params: { path: "auth.me", input: null } });
    await frameMatching(socket, replyTo(1));
    const result = await laptop.api.auth.logoutEverywhere.mutate();
    expect(result.sessionsEnded).toBe(2);
    expect(await socket.closed).toMatchObject({ code: SESSION_ENDED_CLOSE_CODE, reason: "logged_out_everywhere" });
    for (const client of [laptop, tablet]) {
      const error = await errorOf(client.api.auth.me.query());
      expect(error.message).toBe("You were signed out on every device; sign in again");
    }
  });

  it("a password change ends the account's other sessions and keeps the caller's", async () => {
    const [row] = await createExtraUsers(t.db, "rider", 1, "password");
    const current = await loginExtra(t, row!.email);
    const other = await loginExtra(t, row!.email);
    const wrong = await errorOf(current.api.auth.changePassword.mutate({ currentPassword: "nope", newPassword: "a-new-password" }));
    expect(wrong.data?.code).toBe("FORBIDDEN");
    await current.api.auth.changePassword.mutate({ currentPassword: "extra-pass-123", newPassword: "a-new-password" });
    await eventually(async () => ((await errorOf(other.api.auth.me.query())).data?.code === "UNAUTHORIZED" ? true : undefined), 5_000);
    expect(await current.api.auth.me.query()).toMatchObject({ id: row!.id });
    await t.login(row!.email, "a-new-password");
  });
});
