import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, TRPCClientError, type ConvoyClient } from "@convoy/client";
import type { AppRouter } from "@convoy/api";
import { createDb, sql, type DbHandle, demoLogin, type DemoLogin } from "@convoy/db";
import { spawnServer, type ServerProcess } from "../support/process";
import { startPrivateMysql, type PrivateMysql } from "../support/privateMysql";
import { loadInput } from "../support/fixtures";

let mysql: PrivateMysql;
let server: ServerProcess;
let databaseUrl: string;
const clients: ConvoyClient[] = [];

beforeAll(async () => {
  mysql = await startPrivateMysql();
  databaseUrl = `${mysql.baseUrl}convoy_restart`;
  // The server creates, migrates and seeds the database itself.
  server = await spawnServer({ DATABASE_URL: databaseUrl, CHAT_MESSAGES_PER_10S: "1000" });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  if (server.child.exitCode === null) server.child.kill("SIGKILL");
  await mysql.destroy();
});

async function login({ email, password }: DemoLogin) {
  const client = createConvoyClient({ url: server.url, WebSocket });
  clients.push(client);
  const { token, user } = await client.api.auth.login.mutate({ email, password });
  const authed = createConvoyClient({ url: server.url, token, WebSocket });
  clients.push(authed);
  return Object.assign(authed, { userId: user.id });
}

const codeOf = (error: unknown) => (error instanceof TRPCClientError ? (error as TRPCClientError<AppRouter>).data?.code : "not a tRPC error");

describe("MySQL restart under load", () => {
  it("answers a clear retryable error while down, recovers without a restart, and leaves nothing half-written", async () => {
    const dispatcher = await login(demoLogin("dispatcher"));
    const driver = await login(demoLogin("driver"));
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));

    // Load: a steady stream of chat messages, each with its own idempotency key.
    // `outcome` is "ok" or the tRPC error code.
    const attempts: { clientMessageId: string; outcome: string; messageId?: number }[] = [];
    const state = { running: true };
    const load = (async () => {
      while (state.running) {
        const clientMessageId = randomUUID();
        const started = Date.now();
        try {
          const message = await driver.api.chat.send.mutate({ offerId: offer.id, body: "load", clientMessageId });
          attempts.push({ clientMessageId, outcome: "ok", messageId: message.id });
        } catch (error) {
          attempts.push({ clientMessageId, outcome: codeOf(error) ?? "unknown" });
          // Not a hang: the error comes back within the pool's connect timeout.
          expect(Date.now() - started).toBeLessThan(15_000);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 700));
    await mysql.stop();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const whileDown = attempts.filter((attempt) => attempt.outcome !== "ok");
    expect(whileDown.length).toBeGreaterThan(0);
    expect(new Set(whileDown.map((attempt) => attempt.outcome))).toEqual(new Set(["SERVICE_UNAVAILABLE"]));
    // Not ready (the balancer moves off), yet alive (nothing restarts the process).
    const readiness = await fetch(`${server.url}/readyz`);
    expect({ status: readiness.status, body: await readiness.json() }).toMatchObject({ status: 503, body: { ok: false, mysql: "down" } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await mysql.start();
    // Recovers by itself: the same process serves again.
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${server.url}/readyz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    state.running = false;
    await load;
    expect(server.child.exitCode).toBeNull();
    expect(attempts.at(-1)?.outcome).toBe("ok");

    // A retry with the same key returns the first outcome, and a failed attempt's retry stores once.
    const succeeded = attempts.find((attempt) => attempt.outcome === "ok")!;
    const again = await driver.api.chat.send.mutate({ offerId: offer.id, body: "load", clientMessageId: succeeded.clientMessageId });
    expect(again.id).toBe(succeeded.messageId);
    const failed = whileDown[0]!;
    const retried = await driver.api.chat.send.mutate({ offerId: offer.id, body: "load", clientMessageId: failed.clientMessageId });
    const retriedTwice = await driver.api.chat.send.mutate({ offerId: offer.id, body: "load", clientMessageId: failed.clientMessageId });
    expect(retriedTwice.id).toBe(retried.id);

    // Nothing half-written: every message has exactly its event, every offer its recipients.
    const db: DbHandle = createDb(databaseUrl, { connectionLimit: 1 });
    try {
      const [orphans] = (await db.db.execute(sql`
        SELECT COUNT(*) AS n FROM messages m
        WHERE (SELECT COUNT(*) FROM events e WHERE e.stream = 'chat' AND e.type = 'message'
               AND JSON_VALUE(e.payload, '$.message.id') = m.id) <> 1`)) as unknown as [{ n: number }[]];
      expect(orphans[0]!.n).toBe(0);
      const [bareOffers] = (await db.db.execute(sql`
        SELECT COUNT(*) AS n FROM offers o WHERE NOT EXISTS (SELECT 1 FROM offer_recipients r WHERE r.offer_id = o.id)`)) as unknown as [
        { n: number }[],
      ];
      expect(bareOffers[0]!.n).toBe(0);
      const [duplicates] = (await db.db.execute(sql`
        SELECT COUNT(*) AS n FROM (SELECT client_message_id FROM messages WHERE client_message_id IS NOT NULL
        GROUP BY sender_id, client_message_id HAVING COUNT(*) > 1) d`)) as unknown as [{ n: number }[]];
      expect(duplicates[0]!.n).toBe(0);
    } finally {
      await db.close();
    }
  });
});
