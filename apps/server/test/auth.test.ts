import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createTRPCClient, createWSClient, wsLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { createTokenService, TOKEN_EXPIRED_CLOSE_CODE } from "@convoy/api/server";
import { drivers, eq, DEMO_PASSWORDS } from "@convoy/db";
import { useTestServer } from "./support/harness";
import { TEST_JWT_SECRET } from "./support/config";

const t = useTestServer();

async function errorOf(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error("expected the call to fail");
}

function wsOnlyClient(token: string) {
  const wsClient = createWSClient({
    url: t.url.replace("http", "ws") + "/trpc",
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: { token },
    retryDelayMs: () => 60_000,
  });
  return { api: createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] }), close: () => wsClient.close() };
}

describe("auth.login", () => {
  it("returns a token for the right password, and me() knows the user", async () => {
    const dispatcher = await t.as("dispatcher");
    const me = await dispatcher.api.auth.me.query();
    expect(me).toMatchObject({ role: "dispatcher", email: "dispatcher@convoy.test" });
    expect(me).not.toHaveProperty("passwordHash");
  });

  it("refuses a wrong password with UNAUTHORIZED", async () => {
    const error = await errorOf(t.anonymous().api.auth.login.mutate({ email: "driver1@convoy.test", password: "nope" }));
    expect(error.data?.code).toBe("UNAUTHORIZED");
    expect(error.message).toBe("Wrong email or password");
  });

  it("answers an unknown email exactly like a wrong password", async () => {
    const error = await errorOf(t.anonymous().api.auth.login.mutate({ email: "ghost@convoy.test", password: DEMO_PASSWORDS.driver }));
    expect(error.data?.code).toBe("UNAUTHORIZED");
    expect(error.message).toBe("Wrong email or password");
  });
});

describe("tokens", () => {
  const expiredToken = async (secret = TEST_JWT_SECRET, ttlSeconds = -60) =>
    createTokenService(secret).sign({ id: 1, role: "dispatcher" }, 1, ttlSeconds).token;

  it("rejects an expired token over HTTP", async () => {
    const client = t.anonymous();
    const error = await errorOf(
      createTRPCClient<AppRouter>({
        links: [
          (await import("@trpc/client")).httpBatchLink({
            url: `${t.url}/trpc`,
            headers: async () => ({ authorization: `Bearer ${await expiredToken()}` }),
          }),
        ],
      }).auth.me.query(),
    );
    await client.close();
    expect(error.data?.code).toBe("UNAUTHORIZED");
    expect(error.message).toMatch(/expired/);
  });

  it("rejects a forged token over HTTP and over WebSocket", async () => {
    const forged = await expiredToken("a-different-secret-that-is-long-enough-000", 3_600);
    const http = createTRPCClient<AppRouter>({
      links: [(await import("@trpc/client")).httpBatchLink({ url: `${t.url}/trpc`, headers: { authorization: `Bearer ${forged}` } })],
    });
    const httpError = await errorOf(http.auth.me.query());
    expect(httpError.data?.code).toBe("UNAUTHORIZED");
    expect(httpError.message).toMatch(/not valid/);

    const ws = wsOnlyClient(forged);
    const wsError = await errorOf(ws.api.auth.me.query());
    await ws.close();
    expect(wsError.data?.code).toBe("UNAUTHORIZED");
  });

  it("rejects an expired token over WebSocket", async () => {
    const ws = wsOnlyClient(await expiredToken());
    const error = await errorOf(ws.api.auth.me.query());
    await ws.close();
    expect(error.data?.code).toBe("UNAUTHORIZED");
    expect(error.message).toMatch(/expired/);
  });

  it("closes a socket that is still on its access token when the token expires", async () => {
    const login = await t.as("driver", 2);
    const { token: shortToken } = await t.tokenFor(login.userId, "driver", 2);
    const socket = new WebSocket(`${t.url.replace("http", "ws")}/trpc?connectionParams=1`);
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ method: "connectionParams", data: { token: shortToken } }));
    socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me", input: null } }));
    const reply = await new Promise<string>((resolve) => socket.once("message", (data: Buffer) => resolve(data.toString())));
    expect(JSON.parse(reply)).toMatchObject({ id: 1, result: { data: { id: login.userId } } });
    const code = await new Promise<number>((resolve) => socket.once("close", (closeCode) => resolve(closeCode)));
    expect(code).toBe(TOKEN_EXPIRED_CLOSE_CODE);
  });
});

describe("roles and input", () => {
  it("answers the wrong role with FORBIDDEN", async () => {
    const rider = await t.as("rider", 1);
    const error = await errorOf(rider.api.drivers.list.query({}));
    expect(error.data?.code).toBe("FORBIDDEN");
    expect(error.message).toMatch(/dispatcher/);
  });

  it("answers bad input with BAD_REQUEST and a readable message", async () => {
    const dispatcher = await t.as("dispatcher");
    const error = await errorOf(dispatcher.api.drivers.list.query({ near: { lat: 91, lng: 0, radiusKm: 5 } }));
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("Invalid input: near.lat: latitude must be ≤ 90");
  });

  it("writes nothing when a mutation's input is bad", async () => {
    const driver = await t.as("driver", 3);
    const before = await t.db.select().from(drivers).where(eq(drivers.userId, driver.userId));
    const error = await errorOf(driver.api.drivers.setAvailability.mutate({ availability: "sleeping" as unknown as "available" }));
    expect(error.data?.code).toBe("BAD_REQUEST");
    const after = await t.db.select().from(drivers).where(eq(drivers.userId, driver.userId));
    expect(after).toEqual(before);
  });

  it("lets a driver toggle availability and the dispatcher sees it", async () => {
    const driver = await t.as("driver", 4);
    const dispatcher = await t.as("dispatcher");
    await driver.api.drivers.setAvailability.mutate({ availability: "offline" });
    const offline = await dispatcher.api.drivers.list.query({ availability: ["offline"] });
    expect(offline.map((d) => d.id)).toContain(driver.userId);
    await driver.api.drivers.setAvailability.mutate({ availability: "available" });
    const details = await dispatcher.api.drivers.byId.query({ driverId: driver.userId });
    expect(details.availability).toBe("available");
    expect(details.stats.completedTrips).toBe(0);
  });

  it("filters drivers by distance from a point, nearest first", async () => {
    const dispatcher = await t.as("dispatcher");
    const all = await dispatcher.api.drivers.list.query({});
    const near = await dispatcher.api.drivers.list.query({ near: { lat: 41.8781, lng: -87.6298, radiusKm: 4 } });
    expect(near.length).toBeGreaterThan(0);
    expect(near.length).toBeLessThan(all.length);
    for (const driver of near) expect(driver.distanceKm).toBeLessThanOrEqual(4);
    const distances = near.map((driver) => driver.distanceKm ?? Infinity);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
  });
});

describe("auth.logout", () => {
  it("closes the user's sockets within a second and refuses the token afterwards", async () => {
    const driver = await t.as("driver", 7);
    const socket = new WebSocket(`${t.url.replace("http", "ws")}/trpc?connectionParams=1`);
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ method: "connectionParams", data: { token: driver.token } }));
    socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me", input: null } }));
    await new Promise((resolve) => socket.once("message", resolve));
    const closed = new Promise<{ code: number; at: number }>((resolve) => socket.once("close", (code) => resolve({ code, at: Date.now() })));
    const loggedOutAt = Date.now();
    await driver.api.auth.logout.mutate();
    const { code, at } = await closed;
    expect(code).toBe(4001);
    expect(at - loggedOutAt).toBeLessThan(1_000);
    const error = await errorOf(driver.api.auth.me.query());
    expect(error.data?.code).toBe("UNAUTHORIZED");
  });
});
