import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { sql, demoLogin, type DemoLogin } from "@convoy/db";
import { startCluster, type Cluster } from "../support/cluster";
import { collectFrom } from "../support/subscriptions";
import { loadInput } from "../support/fixtures";

let cluster: Cluster;
const clients: ConvoyClient[] = [];

beforeAll(async () => {
  cluster = await startCluster({ CHAT_MESSAGES_PER_10S: "10000", MUTATIONS_PER_10S: "10000", SHUTDOWN_DELAY_MS: "300" });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await cluster.stop();
});

async function viaBalancer({ email, password }: DemoLogin) {
  const anonymous = createConvoyClient({ url: cluster.balancer.url, WebSocket });
  clients.push(anonymous);
  const { token, user } = await anonymous.api.auth.login.mutate({ email, password });
  const client = createConvoyClient({ url: cluster.balancer.url, token, WebSocket, lazy: false });
  clients.push(client);
  return Object.assign(client, { userId: user.id });
}

describe("SIGTERM rolling restart of one instance", () => {
  it("fails no mutation and loses no event", async () => {
    const dispatcher = await viaBalancer(demoLogin("dispatcher"));
    const driver = await viaBalancer(demoLogin("driver"));
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
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
    cluster.b.child.kill("SIGTERM");
    expect(await cluster.b.exited).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // B comes back with the new build and takes traffic again, as in a rolling deploy.
    cluster.b = await cluster.spawnInstance();
    cluster.balancer.setBackends([cluster.b.port, cluster.a.port]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    state.running = false;
    await load;

    expect(failures.map((failure) => (failure instanceof Error ? failure.message : String(failure)))).toEqual([]);
    expect(sent.length).toBeGreaterThan(20);
    expect(reports).toBeGreaterThan(20);
    const [rows] = (await cluster.db.db.execute(
      sql`SELECT client_message_id AS id FROM messages WHERE offer_id = ${offer.id} AND client_message_id IS NOT NULL ORDER BY id`,
    )) as unknown as [{ id: string }[]];
    expect(rows.map((row) => row.id).sort()).toEqual([...sent].sort());

    const [visible] = (await cluster.db.db.execute(
      sql`SELECT id FROM events WHERE stream = 'chat' AND offer_id = ${offer.id} AND dispatcher_id = ${dispatcher.userId} ORDER BY id`,
    )) as unknown as [{ id: number }[]];
    const tracked = () => stream.items.flatMap((item) => ("id" in item ? [Number(item.id)] : []));
    await stream.until(() => tracked().length >= visible.length, 15_000);
    expect(tracked()).toEqual(visible.map((row) => row.id));
    stream.stop();
  });
});
