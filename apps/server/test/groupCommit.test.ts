import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupCommit, type BatchWrite, type GroupCommitOptions, type StoredEvent } from "@convoy/api/server";
import { asc, createDb, eq, events, messages, sql, type DbHandle } from "@convoy/db";
import { MARKER_TYPE } from "./support/barrier";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { loadInput } from "./support/fixtures";
import { collectFrom } from "./support/subscriptions";

const t = useTestServer({ rateLimits: { chatPoints: 10_000, mutationPoints: 10_000 } });

/** A pool of its own, so the server's pool is not what the batches wait for. */
let writers: DbHandle;
let dispatcher: LoggedInClient;
let driver: LoggedInClient;

const PROBE_TABLE = "group_commit_probe";

beforeAll(async () => {
  writers = createDb(t.databaseUrl, { connectionLimit: 4 });
  await writers.db.execute(sql.raw(`CREATE TABLE \`${PROBE_TABLE}\` (\`id\` int AUTO_INCREMENT PRIMARY KEY, \`k\` varchar(40) NOT NULL UNIQUE)`));
  dispatcher = await t.as("dispatcher");
  driver = await t.as("driver", 1);
});

afterAll(() => writers.close());

/** Each item is a key: one probe row and one event per key, the row refused if the key was stored before. */
const probeBatch: BatchWrite<string, string> = async (tx, emit, keys) => {
  await tx.execute(sql.raw(`INSERT INTO \`${PROBE_TABLE}\` (\`k\`) VALUES ${keys.map((key) => `('${key}')`).join(",")}`));
  for (const key of keys) emit({ stream: "offers", type: MARKER_TYPE, dispatcherId: dispatcher.userId, payload: { key } });
  return keys.map((key) => `stored ${key}`);
};

/** The group's commits are published through the server's pump; this records what it dispatches. */
function probeGroup(options?: GroupCommitOptions) {
  const published: StoredEvent[] = [];
  const pump = t.server.services.pump;
  const group = new GroupCommit(
    { db: writers.db, pump: { publish: (stored, seconds) => (published.push(...stored), pump.publish(stored, seconds)) }, commitHooks: [] },
    probeBatch,
    options,
  );
  return { group, published };
}

async function probeKeys(): Promise<string[]> {
  const [rows] = (await writers.db.execute(sql.raw(`SELECT \`k\` FROM \`${PROBE_TABLE}\``))) as unknown as [{ k: string }[]];
  return rows.map((row) => row.k);
}

describe("group commit", () => {
  it("writes calls that arrive while transactions are open together, each with its event", async () => {
    const { group, published } = probeGroup();
    const keys = Array.from({ length: 60 }, (_, i) => `together-${i}-${randomUUID().slice(0, 8)}`);
    const results = await Promise.all(keys.map((key) => group.submit(key)));

    expect(results).toEqual(keys.map((key) => `stored ${key}`));
    const { batches, items } = group.stats();
    expect(items).toBe(60);
    // The first call's transaction starts at once; the others arrive meanwhile and share the next ones.
    expect(batches).toBeLessThan(10);
    expect((await probeKeys()).filter((key) => keys.includes(key)).sort()).toEqual([...keys].sort());
    const publishedKeys = published.map((event) => (event.payload as { key: string }).key);
    expect([...publishedKeys].sort()).toEqual([...keys].sort());
    const ids = published.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("fails only the call whose row MySQL refuses; the rest of its batch commits", async () => {
    const { group, published } = probeGroup();
    const taken = `taken-${randomUUID().slice(0, 8)}`;
    await group.submit(taken);
    const before = published.length;
    const keys = Array.from({ length: 30 }, (_, i) => (i === 17 ? taken : `fresh-${i}-${randomUUID().slice(0, 8)}`));
    const outcomes = await Promise.allSettled(keys.map((key) => group.submit(key)));

    expect(outcomes.filter((outcome) => outcome.status === "rejected")).toHaveLength(1);
    expect(outcomes[17]!.status).toBe("rejected");
    const stored = await probeKeys();
    for (const key of keys.filter((key) => key !== taken)) expect(stored).toContain(key);
    // One event per call that committed; none for the refused one.
    const publishedKeys = published.slice(before).map((event) => (event.payload as { key: string }).key);
    expect(publishedKeys.sort()).toEqual(keys.filter((key) => key !== taken).sort());
  });

  it("with spacing, writes the calls that arrive within it after a transaction started in one next transaction", async () => {
    const { group } = probeGroup({ spacingMs: 2_000 });
    const first = `spaced-first-${randomUUID().slice(0, 8)}`;
    // An idle writer starts at once: this resolves long before the spacing has passed.
    expect(await group.submit(first)).toBe(`stored ${first}`);
    expect(group.stats()).toEqual({ batches: 1, items: 1 });

    // Arriving one by one, across turns of the event loop, while the writer is idle: without
    // spacing the first of them would start a transaction of its own.
    const keys = Array.from({ length: 10 }, (_, i) => `spaced-${i}-${randomUUID().slice(0, 8)}`);
    const results: Promise<string>[] = [];
    for (const key of keys) {
      results.push(group.submit(key));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(results)).toEqual(keys.map((key) => `stored ${key}`));
    expect(group.stats()).toEqual({ batches: 2, items: 11 });
    expect((await probeKeys()).filter((key) => keys.includes(key)).sort()).toEqual([...keys].sort());
  });

  it("with spacing, starts a full batch without waiting for the spacing to pass", async () => {
    // A spacing far beyond the test's timeout: a batch that waited for it would fail the test.
    const { group } = probeGroup({ spacingMs: 3_600_000, maxBatch: 5 });
    await group.submit(`full-first-${randomUUID().slice(0, 8)}`);
    const keys = Array.from({ length: 5 }, (_, i) => `full-${i}-${randomUUID().slice(0, 8)}`);
    expect(await Promise.all(keys.map((key) => group.submit(key)))).toEqual(keys.map((key) => `stored ${key}`));
    expect(group.stats()).toEqual({ batches: 2, items: 6 });
  });

  it("stores each of a burst of chat sends once with its event, answers a retried key inside the burst with the first message, and delivers them in id order", async () => {
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const stream = collectFrom(driver.api.chat.events.subscribe, { offerId: offer.id });
    await stream.started;
    const retried = randomUUID();
    const inputs = Array.from({ length: 40 }, (_, i) => ({
      offerId: offer.id,
      driverId: driver.userId,
      body: `burst ${i}`,
      clientMessageId: i === 25 || i === 30 ? retried : randomUUID(),
    }));
    const sent = await Promise.all(inputs.map((input) => dispatcher.api.chat.send.mutate(input)));

    expect(sent[30]!.id).toBe(sent[25]!.id);
    const rows = await t.db.select().from(messages).where(eq(messages.offerId, offer.id)).orderBy(asc(messages.id));
    const textRows = rows.filter((row) => row.kind === "text");
    expect(textRows).toHaveLength(39);
    for (const [i, message] of sent.entries()) {
      const row = textRows.find((candidate) => candidate.id === message.id)!;
      expect(row.body).toBe(message.body);
      expect(row.createdAt.toISOString()).toBe(message.createdAt);
      if (i !== 30) expect(message.body).toBe(`burst ${i}`);
    }
    const messageEvents = await t.db.select().from(events).where(eq(events.offerId, offer.id));
    const eventMessageIds = messageEvents
      .filter((event) => event.type === "message")
      .map((event) => (event.payload as { message: { id: number } }).message.id)
      .sort((a, b) => a - b);
    expect(eventMessageIds).toEqual(textRows.map((row) => row.id));

    await stream.until((items) => items.filter((item) => "data" in item && item.data.type === "message").length >= 39);
    const delivered = stream.items.flatMap((item) => ("data" in item && item.data.type === "message" ? [item.data] : []));
    expect(delivered.map((event) => event.message.id).sort((a, b) => a - b)).toEqual(textRows.map((row) => row.id));
    const eventIds = delivered.map((event) => event.eventId);
    expect(eventIds).toEqual([...eventIds].sort((a, b) => a - b));
    stream.stop();
  });
});
