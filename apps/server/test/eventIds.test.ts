import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEvents, latestEventId, readAllEventsAfter, type NewEvent, type PumpSubscription, type StoredEvent } from "@convoy/api/server";
import { and, asc, createDb, ensureDatabase, eq, events, gt, migrate, or, sql, type DbHandle } from "@convoy/db";
import { MARKER_TYPE, beforeMarker, trackedId, writeMarkers } from "./support/barrier";
import { createTestDatabase, useTestServer, type LoggedInClient } from "./support/harness";
import { offerEvents, sleep, type OfferEventItem } from "./support/offerFixtures";
import type { Collected } from "./support/subscriptions";
import { eventually } from "./support/tracking";

const t = useTestServer();

/** A pool of its own for the writers, so transactions held open leave the server's pool alone. */
let writers: DbHandle;
let dispatcher: LoggedInClient;

beforeAll(async () => {
  writers = createDb(t.databaseUrl, { connectionLimit: 12 });
  dispatcher = await t.as("dispatcher");
});

afterAll(() => writers.close());

const pump = () => t.server.services.pump;

/** An event the dispatcher may see, written as Convoy writes events; `payload` tells rows apart. */
const eventFor = (dispatcherId: number, payload: Record<string, unknown>): NewEvent => ({
  stream: "offers",
  type: MARKER_TYPE,
  dispatcherId,
  payload,
});

/** Everything the server's pump hands a subscriber for the dispatcher, from now on. */
function listen() {
  const subscription: PumpSubscription = pump().subscribe({ viewer: { userId: dispatcher.userId, role: "dispatcher" } }, () => true);
  const received: StoredEvent[] = [];
  void (async () => {
    for await (const event of subscription.queue.drain()) received.push(event);
  })();
  return {
    received,
    ids: () => received.map((event) => event.id),
    until: (id: number) => eventually(async () => (received.some((event) => event.id >= id) ? true : undefined), 10_000, `event ${id}`),
    stop: subscription.unsubscribe,
  };
}

/**
 * A transaction on a connection of its own that appends `batch` and then stays open until
 * told to commit or roll back. `stored` resolves once it has its ids.
 */
function heldWriter(batch: NewEvent[]) {
  let finish!: (commit: boolean) => void;
  const decision = new Promise<boolean>((resolve) => (finish = resolve));
  let appended!: (stored: StoredEvent[]) => void;
  const stored = new Promise<StoredEvent[]>((resolve) => (appended = resolve));
  const ended = writers.db
    .transaction(async (tx) => {
      appended(await appendEvents(tx, batch));
      if (!(await decision)) tx.rollback();
    })
    .then(
      () => "committed" as const,
      () => "rolled back" as const,
    );
  return {
    stored,
    ids: async () => (await stored).map((event) => event.id),
    commit: () => (finish(true), ended),
    rollback: () => (finish(false), ended),
  };
}

/** Rejects with `what` if `promise` has not settled after `ms`: how a wait that should be instant fails readably. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The ids the log holds for the dispatcher's `offers` stream after `afterId`, as a reader with no gaps to settle sees them. */
async function visibleIds(afterId: number): Promise<number[]> {
  const rows = await t.db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.stream, "offers"), gt(events.id, afterId), or(eq(events.dispatcherId, dispatcher.userId), eq(events.allDispatchers, true))))
    .orderBy(asc(events.id));
  return rows.map((row) => row.id);
}

/** Writes a marker for the dispatcher and returns, per stream, the ids it delivered before it. */
async function throughMarker(...streams: Collected<OfferEventItem>[]): Promise<number[][]> {
  const [markerId] = await writeMarkers(t.db, pump(), "offers", [{ dispatcherId: dispatcher.userId }]);
  return Promise.all(streams.map(async (stream) => (await beforeMarker(stream, markerId!, trackedId)).map((item) => Number(item.id))));
}

/** One transaction of a writer in the property test. */
interface Step {
  events: number;
  /** Every event of the transaction carries the same payload object (stored once). */
  shared: boolean;
  end: "commit" | "rollback" | "fail";
  /** Statements run after the append before the transaction ends. */
  openFor: number;
  /**
   * A pause, in ms, after the append before the transaction ends, now and then longer than the
   * pump's 50 ms grace: the pump must then wait for the writer, not give up on its ids.
   */
  pauseMs: number;
}

describe("event ids without a shared sequence row", () => {
  it("writers holding their transactions open at once all get their ids without waiting for each other", async () => {
    const listener = listen();
    const held = Array.from({ length: 8 }, (_, writer) => heldWriter([eventFor(dispatcher.userId, { writer })]));
    // The barrier: every writer has its ids while all eight are still open. With ids from one
    // locked row the second would wait for the first to commit, which waits here.
    const ids = (await within(Promise.all(held.map((writer) => writer.ids())), 5_000, "a writer waited for another's commit")).flat();
    expect(new Set(ids).size).toBe(8);

    // Commit in reverse id order: the pump still delivers in id order.
    const byId = held.map((writer, i) => ({ writer, id: ids[i]! })).sort((a, b) => b.id - a.id);
    for (const { writer } of byId) expect(await writer.commit()).toBe("committed");
    await pump().catchUp();
    await listener.until(Math.max(...ids));
    expect(listener.ids()).toEqual([...ids].sort((a, b) => a - b));
    listener.stop();
  });

  it("a rolled-back writer's ids are skipped by the pump, by a live stream and by a resume", async () => {
    const listener = listen();
    const live = offerEvents(dispatcher);
    await live.started;
    const before = pump().position;

    const doomed = heldWriter([eventFor(dispatcher.userId, { doomed: 1 }), eventFor(dispatcher.userId, { doomed: 2 })]);
    const skipped = await doomed.ids();
    const later = heldWriter([eventFor(dispatcher.userId, { later: true })]);
    const [kept] = await later.ids();
    expect(await later.commit()).toBe("committed");
    await pump().catchUp();
    expect(await doomed.rollback()).toBe("rolled back");

    await listener.until(kept!);
    expect(skipped.every((id) => id < kept!)).toBe(true);
    expect(listener.ids()).toEqual([kept]);
    expect(pump().position).toBeGreaterThanOrEqual(kept!);

    // Read from MySQL past the skipped ids, and live past them: the same one event.
    const resumed = offerEvents(dispatcher, { lastEventId: String(before) });
    expect(await throughMarker(resumed, live)).toEqual([[kept], [kept]]);
    resumed.stop();
    live.stop();
    listener.stop();
  });

  it("an open writer's id holds back the ids after it, and its event is delivered first once it commits", async () => {
    const listener = listen();
    const before = pump().position;
    const slow = heldWriter([eventFor(dispatcher.userId, { slow: true })]);
    const [first] = await slow.ids();
    const fast = heldWriter([eventFor(dispatcher.userId, { fast: true })]);
    const [second] = await fast.ids();
    expect(await fast.commit()).toBe("committed");
    await pump().catchUp();

    // The pump has found `second` and is waiting on the open writer's row lock to learn
    // whether `first` will commit.
    await eventually(
      async () => {
        const [rows] = (await writers.pool.query(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'SELECT `id` FROM `events`%FOR UPDATE'",
        )) as unknown as [{ n: number | string }[]];
        return Number(rows[0]!.n) > 0 ? true : undefined;
      },
      10_000,
      "the pump waiting for the open writer",
    );
    expect(listener.ids()).toEqual([]);
    expect(pump().position).toBe(before);
    // A client that has `second` from elsewhere resumes here although this pump is behind it.
    const resumedAhead = offerEvents(dispatcher, { lastEventId: String(second) });
    await resumedAhead.started;

    expect(await slow.commit()).toBe("committed");
    await listener.until(second!);
    expect(listener.ids()).toEqual([first, second]);
    const resumedBefore = offerEvents(dispatcher, { lastEventId: String(before) });
    expect(await throughMarker(resumedBefore, resumedAhead)).toEqual([[first, second], []]);
    expect(resumedAhead.errors).toEqual([]);
    resumedBefore.stop();
    resumedAhead.stop();
    listener.stop();
  });

  it("under parallel writers with random rollbacks and failed INSERTs no subscriber misses or repeats an event", async () => {
    /** One transaction: its events, whether some share a payload, how it ends, how long it stays open. */
    const step: fc.Arbitrary<Step> = fc.record({
      events: fc.integer({ min: 1, max: 4 }),
      shared: fc.boolean(),
      end: fc.constantFrom<Step["end"]>("commit", "commit", "commit", "rollback", "fail"),
      openFor: fc.integer({ min: 0, max: 3 }),
      pauseMs: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 60, max: 150 }), weight: 1 }),
    });
    const scripts = fc.array(fc.array(step, { minLength: 4, maxLength: 10 }), { minLength: 6, maxLength: 10 });

    let run = 0;
    await fc.assert(
      fc.asyncProperty(scripts, async (writerScripts) => {
        run++;
        const listener = listen();
        const live = offerEvents(dispatcher);
        await live.started;
        const start = pump().position;
        const written = new Map<number, Record<string, unknown>>();

        const writer = async (script: Step[], w: number) => {
          for (const [n, step] of script.entries()) {
            const shared = { run, w, n };
            const batch = Array.from({ length: step.events }, (_, i) => eventFor(dispatcher.userId, step.shared ? shared : { run, w, n, i }));
            // A type longer than its column: the INSERT fails at its last row, after taking its ids.
            if (step.end === "fail") batch.push({ ...eventFor(dispatcher.userId, { run }), type: "x".repeat(41) });
            try {
              const stored = await writers.db.transaction(async (tx) => {
                const appended = await appendEvents(tx, batch);
                // More statements while the transaction stays open: commits land out of id order.
                for (let k = 0; k < step.openFor; k++) await tx.execute(sql`SELECT 1`);
                if (step.pauseMs > 0) await sleep(step.pauseMs);
                if (step.end === "rollback") tx.rollback();
                return appended;
              });
              for (const event of stored) written.set(event.id, event.payload);
              // As `commitWithEvents` does: the bus carries them live, in whatever order commits finish.
              pump().publish(stored);
            } catch (error) {
              if (step.end === "commit") throw error;
            }
          }
        };

        // A subscriber that keeps dropping its subscription and resuming from its last id.
        let writing = true;
        const resumedIds: number[] = [];
        const resumer = async () => {
          let last = String(start);
          while (writing) {
            const session = offerEvents(dispatcher, { lastEventId: last });
            await session.started;
            await sleep(20 + Math.random() * 60);
            session.stop();
            resumedIds.push(...session.items.map((item) => Number(item.id)));
            last = session.items.at(-1)?.id ?? last;
          }
          return last;
        };

        const resuming = resumer();
        await Promise.all(writerScripts.map((script, w) => writer(script, w))).finally(() => (writing = false));
        const lastResumed = await resuming;

        const expected = await visibleIds(start);
        const final = offerEvents(dispatcher, { lastEventId: lastResumed });
        const [markerId] = await writeMarkers(t.db, pump(), "offers", [{ dispatcherId: dispatcher.userId }]);
        const tail = (await beforeMarker(final, markerId!, trackedId)).map((item) => Number(item.id));
        const liveIds = (await beforeMarker(live, markerId!, trackedId)).map((item) => Number(item.id));
        await listener.until(markerId!);
        const pumped = listener.ids().filter((id) => id < markerId!);
        final.stop();
        live.stop();
        listener.stop();

        // Every committed row, and only those, with the ids and payloads its writer was given.
        expect(expected).toEqual([...written.keys()].sort((a, b) => a - b));
        const stored = await readAllEventsAfter(t.db, start, 10_000, markerId! - 1);
        expect(stored.map((event) => [event.id, event.payload])).toEqual([...written].sort(([a], [b]) => a - b));
        // Each subscriber: exactly those, in id order, once each.
        expect(pumped).toEqual(expected);
        expect(liveIds).toEqual(expected);
        expect([...resumedIds, ...tail]).toEqual(expected);
      }),
      // A failing run takes seconds (its streams wait for a marker): report it rather than shrink it.
      { numRuns: 4, endOnFailure: true },
    );
  }, 120_000);
});

describe("a database written with the event_sequence row", () => {
  it("migrates with every event readable, shared payloads included, and new ids above the old sequence", async () => {
    const database = await createTestDatabase();
    await ensureDatabase(database.url);
    const old = createDb(database.url, { connectionLimit: 2 });
    try {
      await applyMigrationsThrough(old, "0005_sessions");
      await old.db.execute(
        sql.raw(
          "INSERT INTO `events` (`id`,`stream`,`type`,`dispatcher_id`,`driver_id`,`payload`,`payload_of`) VALUES " +
            `(1,'offers','offer.created',7,NULL,'{"n":1}',NULL),` +
            `(2,'offers','offer.received',NULL,11,'{"offer":"shared"}',NULL),` +
            `(3,'offers','offer.received',NULL,12,'{}',2),` +
            `(4,'offers','offer.received',NULL,13,'{}',2),` +
            `(5,'chat','chat.message',7,11,'{"text":"hi"}',NULL)`,
        ),
      );
      await old.db.execute(sql.raw("UPDATE `event_sequence` SET `last_id` = 6 WHERE `id` = 1"));

      await migrate(old.db);

      const read = await readAllEventsAfter(old.db, 0);
      expect(read.map((event) => [event.id, event.type, event.payload])).toEqual([
        [1, "offer.created", { n: 1 }],
        [2, "offer.received", { offer: "shared" }],
        [3, "offer.received", { offer: "shared" }],
        [4, "offer.received", { offer: "shared" }],
        [5, "chat.message", { text: "hi" }],
      ]);
      expect(await latestEventId(old.db)).toBe(5);
      // Id 6 was handed out by the sequence (and rolled back, or its row removed): never again.
      const appended = await old.db.transaction((tx) => appendEvents(tx, [{ stream: "chat", type: "chat.message", payload: { text: "after" } }]));
      expect(appended.map((event) => event.id)).toEqual([7]);
    } finally {
      await old.close();
      await database.drop();
    }
  });
});

/**
 * Runs the committed migrations up to and including `lastTag` the way drizzle's migrator
 * does, and records the last one as applied, so `migrate` later runs only the newer ones.
 */
async function applyMigrationsThrough(handle: DbHandle, lastTag: string): Promise<void> {
  const folder = join(dirname(createRequire(import.meta.url).resolve("@convoy/db")), "..", "drizzle");
  const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as { entries: { tag: string; when: number }[] };
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  expect(last).toBeGreaterThanOrEqual(0);
  for (const entry of journal.entries.slice(0, last + 1)) {
    for (const statement of readFileSync(join(folder, `${entry.tag}.sql`), "utf8").split("--> statement-breakpoint")) {
      if (statement.trim()) await handle.pool.query(statement);
    }
  }
  await handle.pool.query("CREATE TABLE `__drizzle_migrations` (id serial primary key, hash text not null, created_at bigint)");
  await handle.pool.query("INSERT INTO `__drizzle_migrations` (`hash`, `created_at`) VALUES ('applied by the test', ?)", [
    journal.entries[last]!.when,
  ]);
}
