import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { createDb, ensureDatabase, migrate, seed, sql, type DbHandle, demoLogin, type DemoLogin } from "@convoy/db";
import { createTestDatabase } from "../support/harness";
import { freePort, spawnServer, type ServerProcess } from "../support/process";
import { collectFrom, type Collected } from "../support/subscriptions";
import { loadInput } from "../support/fixtures";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: DbHandle;
let server: ServerProcess;
let port: number;
const clients: ConvoyClient[] = [];

const env = () => ({
  DATABASE_URL: database.url,
  PORT: String(port),
});

beforeAll(async () => {
  database = await createTestDatabase();
  await ensureDatabase(database.url);
  db = createDb(database.url, { connectionLimit: 2 });
  await migrate(db.db);
  await seed(db.db);
  port = await freePort();
  server = await spawnServer(env());
});

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  if (server.child.exitCode === null) server.child.kill("SIGKILL");
  await db.close();
  await database.drop();
});

async function login({ email, password }: DemoLogin) {
  const anonymous = createConvoyClient({ url: server.url, WebSocket });
  const { token, user } = await anonymous.api.auth.login.mutate({ email, password });
  await anonymous.close();
  return { token, userId: user.id, role: user.role };
}

/** Ids of the events in `stream` that `user` may see, straight from the log. */
async function visibleIds(stream: "offers" | "chat", user: { userId: number; role: string }): Promise<number[]> {
  const audience = user.role === "dispatcher" ? sql`dispatcher_id = ${user.userId}` : sql`driver_id = ${user.userId}`;
  const [rows] = (await db.db.execute(sql`SELECT id FROM events WHERE stream = ${stream} AND ${audience} ORDER BY id`)) as unknown as [
    { id: number }[],
  ];
  return rows.map((row) => row.id);
}

/** The tracked ids a subscription received, in arrival order (typing carries none). */
const idsOf = (collected: Collected<object>) =>
  collected.items.flatMap((item) => ("id" in item && typeof item.id === "string" ? [Number(item.id)] : []));

describe("kill -9 mid-stream", () => {
  it("every client reconnects by itself and resumes with nothing missing, duplicated or out of order", async () => {
    const dispatcher = await login(demoLogin("dispatcher"));
    const drivers = await Promise.all([1, 2, 3, 4, 5].map((n) => login(demoLogin("driver", n))));
    const users = [dispatcher, ...drivers];

    const subscribers = Array.from({ length: 100 }, (_, i) => {
      const user = users[i % users.length]!;
      const client = createConvoyClient({ url: server.url, token: user.token, WebSocket, lazy: false });
      clients.push(client);
      return {
        user,
        offers: collectFrom(client.api.offers.events.subscribe, { lastEventId: "0" }),
        chat: collectFrom(client.api.chat.events.subscribe, { lastEventId: "0" }),
      };
    });
    await Promise.all(subscribers.flatMap((s) => [s.offers.started, s.chat.started]));

    const writer = createConvoyClient({ url: server.url, token: dispatcher.token, WebSocket });
    const driverWriters = drivers.map((driver) => createConvoyClient({ url: server.url, token: driver.token, WebSocket }));
    clients.push(writer, ...driverWriters);
    const state = { writing: true };
    // About 50 events a second: an offer to all five drivers is 6 events, chat messages 1 each.
    const writeLoop = (async () => {
      const offerIds: number[] = [];
      while (state.writing) {
        try {
          const offer = await writer.api.offers.create.mutate(loadInput(drivers.map((d) => d.userId)));
          offerIds.push(offer.id);
          for (const [index, driverClient] of driverWriters.entries()) {
            await driverClient.api.chat.send.mutate({ offerId: offer.id, body: `hello ${index}`, clientMessageId: randomUUID() });
          }
        } catch {
          // The server is down for a moment; the next round tries again.
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return offerIds;
    })();

    await new Promise((resolve) => setTimeout(resolve, 2_500));
    server.child.kill("SIGKILL");
    await server.exited;
    await new Promise((resolve) => setTimeout(resolve, 500));
    server = await spawnServer(env());
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    state.writing = false;
    const offerIds = await writeLoop;
    expect(offerIds.length).toBeGreaterThan(5);

    for (const subscriber of subscribers) {
      const expectedOffers = await visibleIds("offers", subscriber.user);
      const expectedChat = await visibleIds("chat", subscriber.user);
      await subscriber.offers.until((items) => items.length >= expectedOffers.length, 30_000);
      await subscriber.chat.until((items) => items.length >= expectedChat.length, 30_000);
    }
    // Give any duplicate a moment to show up before judging.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const subscriber of subscribers) {
      expect(idsOf(subscriber.offers)).toEqual(await visibleIds("offers", subscriber.user));
      expect(idsOf(subscriber.chat)).toEqual(await visibleIds("chat", subscriber.user));
      subscriber.offers.stop();
      subscriber.chat.stop();
    }
  });
});
