import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { demoLogin } from "@convoy/db";
import { createTestDatabase } from "./support/harness";
import { failure } from "./support/offerFixtures";
import { spawnServer, type ServerProcess } from "./support/process";
import { eventually } from "./support/tracking";

/**
 * The server's log at its most verbose holds no password or token, whatever path carried it:
 * a login's body, a refresh token in a body or a cookie, a password change, a bearer header,
 * a WebSocket's connectionParams, a position socket's auth message, a failed login.
 */

let server: ServerProcess;
let dropDatabase: () => Promise<void>;
const clients: ConvoyClient[] = [];

beforeAll(async () => {
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  server = await spawnServer({ DATABASE_URL: database.url, LOG_LEVEL: "trace" });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  if (server.child.exitCode === null) server.child.kill("SIGKILL");
  await dropDatabase();
});

function client(token: string | null = null, socketFor: "subscriptions" | "all" = "subscriptions"): ConvoyClient {
  const made = createConvoyClient({ url: server.url, token, WebSocket, socketFor });
  clients.push(made);
  return made;
}

/** A tRPC mutation over plain HTTP, to send and read cookies. */
async function post(path: string, input: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(input),
  });
}

describe("request logs", () => {
  it("are structured JSON lines and never carry a password or a token", async () => {
    const secrets: string[] = [];
    const rider = demoLogin("rider", 1);
    const newPassword = `new-${randomBytes(12).toString("hex")}`;
    const wrongPassword = `wrong-${randomBytes(12).toString("hex")}`;
    secrets.push(newPassword, wrongPassword);

    // Login and refresh with the refresh token in the body.
    const first = await client().api.auth.login.mutate({ email: rider.email, password: rider.password });
    const refreshed = await client().api.auth.refresh.mutate({ refreshToken: first.refreshToken! });
    secrets.push(first.token, first.refreshToken!, refreshed.token, refreshed.refreshToken!);

    // A password change, then a login with the new password.
    await client(refreshed.token).api.auth.changePassword.mutate({ currentPassword: rider.password, newPassword });
    const second = await client().api.auth.login.mutate({ email: rider.email, password: newPassword });
    secrets.push(second.token, second.refreshToken!);

    // Login and refresh with the refresh token in a cookie.
    const cookieLogin = await post("auth.login", { email: rider.email, password: newPassword, refreshCookie: "rider" });
    expect(cookieLogin.status).toBe(200);
    const cookie = cookieLogin.headers.get("set-cookie")!.split(";")[0]!;
    secrets.push(cookie.slice(cookie.indexOf("=") + 1));
    const cookieRefresh = await post("auth.refresh", { refreshCookie: "rider" }, { cookie });
    expect(cookieRefresh.status).toBe(200);
    const renewed = cookieRefresh.headers.get("set-cookie")!.split(";")[0]!;
    secrets.push(renewed.slice(renewed.indexOf("=") + 1));

    // The token in an Authorization header, and in a WebSocket's connectionParams.
    await client(second.token).api.auth.me.query();
    const overSocket = client(second.token, "all");
    expect((await overSocket.api.auth.me.query()).email).toBe(rider.email);

    // A driver's position socket, signed in with its first message.
    const driver = await client().api.auth.login.mutate(demoLogin("driver", 2));
    secrets.push(driver.token, driver.refreshToken!);
    const positions = new WebSocket(`${server.url.replace(/^http/, "ws")}/positions`);
    await new Promise((resolve, reject) => positions.once("open", resolve).once("error", reject));
    const ready = new Promise<string>((resolve) => positions.once("message", (data: Buffer) => resolve(data.toString())));
    positions.send(JSON.stringify({ type: "auth", token: driver.token }));
    expect(JSON.parse(await ready)).toMatchObject({ type: "ready" });
    positions.close();

    // A failed login.
    expect((await failure(client().api.auth.login.mutate({ email: rider.email, password: wrongPassword }))).code).toBe("UNAUTHORIZED");

    await eventually(async () => (server.output().includes('"msg":"socket closed"') ? true : undefined), 5_000, "the socket's close in the log");
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);

    const log = server.output();
    const lines = log.split("\n").filter((line) => line.startsWith("{"));
    const entries = lines.map((line) => JSON.parse(line) as { msg: string; req?: { path: string; headers: Record<string, string> } });
    // The log has what the test is looking through: the requests, calls and sockets above.
    const requests = entries.filter((entry) => entry.msg === "request");
    expect(requests.map((entry) => entry.req?.path)).toEqual(
      expect.arrayContaining(["/trpc/auth.login", "/trpc/auth.refresh", "/trpc/auth.changePassword"]),
    );
    expect(entries.filter((entry) => entry.msg === "call").length).toBeGreaterThanOrEqual(8);
    expect(entries.filter((entry) => entry.msg === "socket opened").length).toBeGreaterThanOrEqual(2);
    // Headers are logged, with credentials replaced.
    expect(requests.some((entry) => entry.req?.headers.authorization === "[Redacted]")).toBe(true);
    expect(requests.some((entry) => entry.req?.headers.cookie === "[Redacted]")).toBe(true);

    for (const secret of secrets) expect(log).not.toContain(secret);
    // A token's signature alone would be enough to misuse it.
    for (const token of [first.token, refreshed.token, second.token, driver.token]) expect(log).not.toContain(token.split(".").at(-1));
  });
});
