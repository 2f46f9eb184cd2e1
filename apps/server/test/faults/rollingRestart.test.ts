import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { createDb, ensureDatabase, migrate, seed, sql, type DbHandle } from "@convoy/db";
import { createTestDatabase } from "../support/harness";
import { spawnServer, type ServerProcess } from "../support/process";
import { startPrivateRedis, type PrivateRedis } from "../support/redis";
import { startTcpBalancer, type TcpBalancer } from "../support/tcpBalancer";
import { collectFrom } from "../support/subscriptions";
import { offerInput } from "../support/fixtures";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: DbHandle;
let redis: PrivateRedis;
let a: ServerProcess;
let b: ServerProcess;
let balancer: TcpBalancer;
const clients: ConvoyClient[] = [];

const instanceEnv = () => ({
  DATABASE_URL: database.url,
  REDIS_URL: redis.url,
  CHAT_MESSAGES_PER_10S: "10000",
  MUTATIONS_PER_10S: "10000",
  SHUTDOWN_DELAY_MS: "300",
});

beforeAll(async () => {
  redis = await startPrivateRedis();
  database = await createTestDatabase();
  await ensureDatabase(database.url);
  db = createDb(database.url, { connectionLimit: 2 });
  await migrate(db.db);
  await seed(db.db);
  [a, b] = await Promise.all([spawnServer(instanceEnv()), spawnServer(instanceEnv())]);
  balancer = await startTcpBalancer([b.port, a.port]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await balancer.close();
  for (const server of [a, b]) if (server.child.exitCode === null) server.child.kill("SIGKILL");
  await redis.stop();
  await db.close();
  await database.drop();
});

async function viaBalancer(email: string, password: string) {
  const anonymous = createConvoyClient({ url: balancer.url, WebSocket });
  clients.push(anonymous);
  const { token, user } = await anonymous.api.auth.login.mutate({ email, password });
  const client = createConvoyClient({ url: balancer.url, token, WebSocket, lazy: false });
  clients.push(client);
  return Object.assign(client, { userId: user.id });
}

describe("SIGTERM rolling restart of one instance", () => {
  it("fails no mutation and loses no event", async () => {
    const dispatcher = await viaBalancer("dispatcher@convoy.test", "dispatch123");
    const driver = await viaBalancer("driver1@convoy.test", "drive123");
    const offer = await dispatcher.api.offers.create.mutate(offerInput([driver.userId]));
    const stream = collectFrom(dispatcher.api.chat.events.subscribe, { offerId: offer.id, lastEventId: "0" });
    await stream.started;

    const sent: string[] = [];
    const failures: unknown[] = [];
    let reports = 0;
    const state = { running: true };
    const load = (async () => {
      for (let i = 0; state.running; i++) {
        const clientMessageId = randomUUID();
        await Promise.all([
          driver.api.chat.send.mutate({ offerId: offer.id, body: `m${i}`, clientMessageId }).then(
            () => sent.push(clientMessageId),
            (error: unknown) => failures.push(error),
          ),
          driver.api.tracking.report.mutate({ points: [{ lat: 41.88 + i / 10_000, lng: -87.63, recordedAt: Date.now() }] }).then(
            () => reports++,
            (error: unknown) => failures.push(error),
          ),
        ]);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 1_000));
    b.child.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // B comes back with the new build and takes traffic again, as in a rolling deploy.
    b = await spawnServer(instanceEnv());
    balancer.setBackends([b.port, a.port]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    state.running = false;
    await load;

    expect(failures.map((failure) => (failure instanceof Error ? failure.message : String(failure)))).toEqual([]);
    expect(sent.length).toBeGreaterThan(20);
    expect(reports).toBeGreaterThan(20);
    const [rows] = (await db.db.execute(
      sql`SELECT client_message_id AS id FROM messages WHERE offer_id = ${offer.id} AND client_message_id IS NOT NULL ORDER BY id`,
    )) as unknown as [{ id: string }[]];
    expect(rows.map((row) => row.id).sort()).toEqual([...sent].sort());

    const [visible] = (await db.db.execute(
      sql`SELECT id FROM events WHERE stream = 'chat' AND offer_id = ${offer.id} AND dispatcher_id = ${dispatcher.userId} ORDER BY id`,
    )) as unknown as [{ id: number }[]];
    const tracked = () => stream.items.flatMap((item) => ("id" in item ? [Number(item.id)] : []));
    await stream.until(() => tracked().length >= visible.length, 15_000);
    expect(tracked()).toEqual(visible.map((row) => row.id));
    stream.stop();
  });
});
