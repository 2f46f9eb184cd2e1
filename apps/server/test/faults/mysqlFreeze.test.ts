import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { and, asc, createDb, eq, events, or, sql, type DbHandle } from "@convoy/db";
import { useServerOnPrivateMysql } from "../support/privateMysqlServer";
import { loadInput } from "../support/fixtures";
import { collectFrom, type Collected } from "../support/subscriptions";
import { scrape, sampleValue } from "../support/prometheus";
import { frameMatching, openTrpcSocket, replyTo } from "../support/rawSockets";
import { untilReady, waitFor, type RecordingClient } from "../support/recordingClients";

/**
 * The server's defaults: 3 s connect, 3 s acquire, 5 s per statement, 500 ms health check.
 * A call waits at most for a connection and then for one statement.
 */
const CALL_BOUND_MS = 3_000 + 5_000 + 1_500;
const STATEMENT_TIMEOUT_MS = 5_000;
const HEALTH_BOUND_MS = 1_000;

const t = useServerOnPrivateMysql("convoy_freeze");

interface Timed {
  status: number;
  body: unknown;
  ms: number;
}

async function timedFetch(url: string, init?: RequestInit): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(url, init);
  const body: unknown = await response.json();
  return { status: response.status, body, ms: performance.now() - started };
}

/** One tRPC call over plain HTTP, unbatched and without the client's retries. */
function rawCall(client: RecordingClient, type: "query" | "mutation", path: string, input: unknown): Promise<Timed> {
  const headers = { authorization: `Bearer ${client.token}`, "content-type": "application/json" };
  return type === "query"
    ? timedFetch(`${t.server.url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
    : timedFetch(`${t.server.url}/trpc/${path}`, { method: "POST", headers, body: JSON.stringify(input) });
}

/** Waits for /readyz to answer 200 again once MySQL is thawed. */
const readyAgain = () => untilReady(t.server.url, "readiness after SIGCONT");

const codeOf = (timed: Timed) => (timed.body as { error?: { data?: { code?: string } } }).error?.data?.code;

const trackedIds = (items: unknown[]) =>
  items.flatMap((item) => (typeof item === "object" && item !== null && "id" in item && "data" in item ? [Number(item.id)] : []));

async function scalar(db: DbHandle, query: ReturnType<typeof sql>): Promise<number> {
  const [rows] = (await db.db.execute(query)) as unknown as [{ n: number }[]];
  return rows[0]!.n;
}

describe("a frozen MySQL (SIGSTOP)", () => {
  it("turns every call into SERVICE_UNAVAILABLE within seconds, /readyz within 1 s, and everything works again after SIGCONT", async () => {
    const dispatcher = await t.clients.login(t.server.url, "dispatcher@convoy.test", "dispatch123");
    const driver = await t.clients.login(t.server.url, "driver1@convoy.test", "drive123");
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    await driver.api.chat.send.mutate({ offerId: offer.id, body: "before the freeze", clientMessageId: randomUUID() });
    const live: Collected<unknown>[] = [
      collectFrom(dispatcher.api.offers.events.subscribe, { lastEventId: "0" }),
      collectFrom(dispatcher.api.chat.events.subscribe, { offerId: offer.id, lastEventId: "0" }),
    ];
    await waitFor(() => trackedIds(live[1]!.items).length === 1, "the live chat stream's backlog");

    await t.mysql.freeze();
    try {
      const chatInput = (body: string) => ({ offerId: offer.id, body, clientMessageId: randomUUID() });
      const calls = await Promise.all([
        // Reads, and more of them at once than the pool has connections (20).
        ...Array.from({ length: 25 }, () => rawCall(dispatcher, "query", "offers.list", {})),
        rawCall(driver, "query", "chat.history", { offerId: offer.id }),
        // Transactions: a message with its event, an offer with its recipients and events.
        rawCall(driver, "mutation", "chat.send", chatInput("during the freeze")),
        rawCall(dispatcher, "mutation", "offers.create", loadInput([driver.userId])),
      ]);
      for (const call of calls) {
        expect({ status: call.status, code: codeOf(call) }).toEqual({ status: 503, code: "SERVICE_UNAVAILABLE" });
        expect(call.ms).toBeLessThan(CALL_BOUND_MS);
      }

      for (let i = 0; i < 3; i++) {
        const health = await timedFetch(`${t.server.url}/readyz`);
        expect(health).toMatchObject({ status: 503, body: { ok: false, mysql: "timeout" } });
        expect(health.ms).toBeLessThan(HEALTH_BOUND_MS);
      }
      // Liveness asks nothing outside the process: a frozen MySQL restarts no instance.
      expect(await timedFetch(`${t.server.url}/healthz`)).toMatchObject({ status: 200, body: { ok: true } });

      // A stream resumed now needs MySQL for its backlog: it is refused with the retryable
      // code and made again by the client, not ended for the app.
      const resumed = collectFrom(dispatcher.api.offers.events.subscribe, { lastEventId: "0" });
      live.push(resumed);
      const subscribedAt = performance.now();
      await waitFor(() => dispatcher.resubscriptions.length > 0, "the resumed stream to be refused", CALL_BOUND_MS);
      expect(performance.now() - subscribedAt).toBeLessThan(CALL_BOUND_MS);
      expect(dispatcher.resubscriptions.map((retry) => retry.code)).toContain("SERVICE_UNAVAILABLE");
      expect(resumed.errors).toEqual([]);
    } finally {
      t.mysql.thaw();
    }

    await readyAgain();
    await driver.api.chat.send.mutate({ offerId: offer.id, body: "after the freeze", clientMessageId: randomUUID() });
    await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    // Markers: the newest event of each stream.
    await dispatcher.api.chat.send.mutate({ offerId: offer.id, driverId: driver.userId, body: "marker", clientMessageId: randomUUID() });
    await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));

    const db = createDb(t.databaseUrl, { connectionLimit: 1 });
    try {
      const forDispatcher = or(eq(events.dispatcherId, dispatcher.userId), eq(events.allDispatchers, true));
      const idsOf = async (stream: "offers" | "chat", offerId?: number) =>
        (
          await db.db
            .select({ id: events.id })
            .from(events)
            .where(and(eq(events.stream, stream), forDispatcher, offerId === undefined ? undefined : eq(events.offerId, offerId)))
            .orderBy(asc(events.id))
        ).map((row) => row.id);
      const offerIds = await idsOf("offers");
      const chatIds = await idsOf("chat", offer.id);
      for (const [stream, ids] of [
        [live[0]!, offerIds],
        [live[1]!, chatIds],
        [live[2]!, offerIds],
      ] as const) {
        await stream.until((items) => trackedIds(items).includes(ids.at(-1)!), 30_000);
        expect(trackedIds(stream.items)).toEqual(ids);
      }

      // Nothing half-written: every message has exactly its event, every offer its recipients
      // and its creation event, whatever the calls cut off by the freeze had done.
      expect(
        await scalar(
          db,
          sql`SELECT COUNT(*) AS n FROM messages m WHERE (SELECT COUNT(*) FROM events e WHERE e.stream = 'chat'
              AND e.type = 'message' AND JSON_VALUE(e.payload, '$.message.id') = m.id) <> 1`,
        ),
      ).toBe(0);
      expect(
        await scalar(db, sql`SELECT COUNT(*) AS n FROM offers o WHERE NOT EXISTS (SELECT 1 FROM offer_recipients r WHERE r.offer_id = o.id)`),
      ).toBe(0);
      expect(await scalar(db, sql`SELECT COUNT(*) AS n FROM offers o WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.offer_id = o.id)`)).toBe(0);
    } finally {
      await db.close();
    }
    expect(t.server.child.exitCode).toBeNull();
  });
});

/** One of the server's counters from /metrics; NaN if it is missing. */
async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  return sampleValue(await scrape(t.server.url), name, labels) ?? Number.NaN;
}

/** The server's count of queries for chat threads it does not hold. */
const threadLookups = () => counter("convoy_batched_lookups_total", { lookup: "threads" });

describe("threads looked up while MySQL is frozen", () => {
  it("refuse a call queued behind the frozen lookup when that lookup fails, not one statement timeout later", async () => {
    const dispatcher = await t.clients.login(t.server.url, "dispatcher@convoy.test", "dispatch123");
    const drivers = [
      await t.clients.login(t.server.url, "driver2@convoy.test", "drive123"),
      await t.clients.login(t.server.url, "driver3@convoy.test", "drive123"),
    ];
    // The drivers' sessions held (a first call reads a session from MySQL too); two threads
    // nobody has used yet, which the server has not looked up.
    for (const driver of drivers) await driver.api.auth.me.query();
    const offers = [
      await dispatcher.api.offers.create.mutate(loadInput([drivers[0]!.userId])),
      await dispatcher.api.offers.create.mutate(loadInput([drivers[1]!.userId])),
    ];
    const typing = (index: number) => rawCall(drivers[index]!, "mutation", "chat.typing", { offerId: offers[index]!.id, typing: true });

    await t.mysql.freeze();
    try {
      const before = await threadLookups();
      const first = typing(0);
      await waitFor(async () => (await threadLookups()) > before, "the first thread's lookup to be under way");
      // Queued for the next lookup while the first hangs on the frozen MySQL.
      const second = typing(1);
      const answers = await Promise.all([first, second]);
      for (const answer of answers) {
        expect({ status: answer.status, code: codeOf(answer) }).toEqual({ status: 503, code: "SERVICE_UNAVAILABLE" });
      }
      // The first lookup's statement timeout answers both; the second sent no query of its own.
      expect(answers[1].ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 1_500);
      expect(await threadLookups()).toBe(before + 1);
    } finally {
      t.mysql.thaw();
    }
    await readyAgain();
    expect(await typing(1)).toMatchObject({ status: 200 });
  });
});

/** The server's count of socket calls served without tRPC's adapter. */
const directCalls = () => counter("convoy_ws_direct_calls_total");

describe("a chat.send served directly on the socket while MySQL is frozen", () => {
  it("is answered SERVICE_UNAVAILABLE within the bound, stores nothing half-way, and its retry after SIGCONT stores it once", async () => {
    const dispatcher = await t.clients.login(t.server.url, "dispatcher@convoy.test", "dispatch123");
    const driver = await t.clients.login(t.server.url, "driver4@convoy.test", "drive123");
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const socket = await openTrpcSocket(t.server.url, driver.token);
    // The thread known and the socket's context set, so the send below is served directly
    // and waits only for its write.
    socket.send({
      id: 1,
      method: "mutation",
      params: { path: "chat.send", input: { offerId: offer.id, body: "warm", clientMessageId: randomUUID() } },
    });
    expect(await frameMatching(socket, replyTo(1))).toMatchObject({ result: { type: "data" } });
    const input = { offerId: offer.id, body: "during the freeze", clientMessageId: randomUUID() };

    await t.mysql.freeze();
    try {
      const before = await directCalls();
      const sentAt = performance.now();
      socket.send({ id: 2, method: "mutation", params: { path: "chat.send", input } });
      const refused = await frameMatching(socket, replyTo(2), CALL_BOUND_MS + 5_000);
      expect(performance.now() - sentAt).toBeLessThan(CALL_BOUND_MS);
      expect(refused).toMatchObject({ error: { data: { code: "SERVICE_UNAVAILABLE" } } });
      expect(await directCalls()).toBe(before + 1);
    } finally {
      t.mysql.thaw();
    }
    await readyAgain();

    // The socket stayed open; the retry with the same key stores the message, once.
    socket.send({ id: 3, method: "mutation", params: { path: "chat.send", input } });
    const stored = (await frameMatching(socket, replyTo(3))) as { result: { data: { id: number; body: string } } };
    expect(stored.result.data.body).toBe("during the freeze");
    socket.send({ id: 4, method: "mutation", params: { path: "chat.send", input } });
    expect(await frameMatching(socket, replyTo(4))).toMatchObject({ result: { data: { id: stored.result.data.id } } });
    const history = await driver.api.chat.history.query({ offerId: offer.id, limit: 100 });
    expect(history.messages.filter((message) => message.clientMessageId === input.clientMessageId)).toHaveLength(1);
    socket.socket.close();
    expect(t.server.child.exitCode).toBeNull();
  });
});
