import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient } from "@convoy/client";
import { createDb, demoLogin, ensureDatabase, migrate, seed } from "@convoy/db";
import { createTestDatabase } from "./support/harness";
import { spawnServer, type ServerProcess } from "./support/process";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: ServerProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  await ensureDatabase(database.url);
  const handle = createDb(database.url, { connectionLimit: 2 });
  await migrate(handle.db);
  await seed(handle.db);
  await handle.close();
  server = await spawnServer({ DATABASE_URL: database.url });
});

afterAll(async () => {
  if (server.child.exitCode === null) server.child.kill("SIGKILL");
  await database.drop();
});

describe("SIGTERM", () => {
  it("finishes in-flight mutations, tells sockets to reconnect, then exits cleanly", async () => {
    const client = createConvoyClient({ url: server.url, WebSocket, lazy: false });
    const { token } = await client.api.auth.login.mutate(demoLogin("driver"));
    const socketClient = createConvoyClient({ url: server.url, token, WebSocket, lazy: false });
    await new Promise<void>((resolve) => {
      if (socketClient.connectionState === "open") resolve();
      socketClient.onConnectionStateChange((state) => state === "open" && resolve());
    });

    // scrypt makes each login take tens of milliseconds, so 20 of them (one batch over the
    // already-open keep-alive connection) are still running at SIGTERM. Different accounts
    // keep the per-email login limit out of the way.
    const accounts = [...Array.from({ length: 19 }, (_, i) => demoLogin("driver", i + 2)), demoLogin("rider")];
    const inFlight = accounts.map(({ email, password }) => client.api.auth.login.mutate({ email, password }));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const socketClosed = new Promise<void>((resolve) => socketClient.onConnectionStateChange((state) => state !== "open" && resolve()));
    server.child.kill("SIGTERM");

    const results = await Promise.allSettled(inFlight);
    expect(results.map((result) => result.status)).toEqual(Array(accounts.length).fill("fulfilled"));
    await socketClosed;
    expect(await server.exited).toBe(0);
    await Promise.all([client.close(), socketClient.close()]);
  });
});
