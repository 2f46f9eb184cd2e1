import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/harness";
import { spawnServer, type ServerProcess } from "../support/process";
import { frameMatching, openTrpcSocket, replyTo } from "../support/rawSockets";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: ServerProcess | null = null;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  if (server?.child.exitCode === null) server.child.kill("SIGKILL");
  await database.drop();
});

async function post(path: string, body: unknown, token?: string) {
  const response = await fetch(`${server!.url}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { result?: { data: { token: string; refreshToken: string } } } };
}

async function me(token: string): Promise<number> {
  return (await fetch(`${server!.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe("a logged-out session across a real restart", () => {
  it("stays refused over HTTP and the WebSocket, and its refresh token stays dead", async () => {
    server = await spawnServer({ DATABASE_URL: database.url });
    const login = await post("auth.login", { email: "driver3@convoy.test", password: "drive123" });
    const { token, refreshToken } = login.body.result!.data;
    const stillIn = await post("auth.login", { email: "driver4@convoy.test", password: "drive123" });
    expect(await me(token)).toBe(200);
    expect((await post("auth.logout", {}, token)).status).toBe(200);
    expect(await me(token)).toBe(401);

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    server = await spawnServer({ DATABASE_URL: database.url });

    expect(await me(token)).toBe(401);
    expect(await me(stillIn.body.result!.data.token)).toBe(200);
    expect((await post("auth.refresh", { refreshToken })).status).toBe(401);
    const socket = await openTrpcSocket(server.url, token);
    socket.send({ id: 1, method: "subscription", params: { path: "offers.events", input: {} } });
    const reply = (await frameMatching(socket, replyTo(1))) as { error?: { data: { code: string } } };
    expect(reply.error?.data.code).toBe("UNAUTHORIZED");
    socket.socket.close();
  });
});
