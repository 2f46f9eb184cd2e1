import { and, asc, type Database, eq, events, eventSequence, type EventStream, gt, inArray, lte, or, type SQL, sql } from "@convoy/db";
import { sqlBoolean, sqlInsertHead, sqlNumber, sqlString, sqlUtcDatetime } from "../lib/sqlLiterals";
import type { Tx } from "../lib/transaction";
import type { NewEvent, StoredEvent, Viewer } from "./types";

/**
 * Appends events inside the caller's transaction and returns them with their ids.
 *
 * Ids come from the single `event_sequence` row, bumped with an UPDATE whose row lock is
 * held until this transaction commits. A second writer waits on that lock, so ids are
 * handed out in commit order and are gap-free: a reader that has seen id N has seen
 * every id below N. Call this last in the transaction to hold the lock briefly.
 */
export async function appendEvents(tx: Tx, batch: NewEvent[]): Promise<StoredEvent[]> {
  if (batch.length === 0) return [];
  await tx.execute(
    sql`UPDATE ${eventSequence} SET ${eventSequence.lastId} = LAST_INSERT_ID(${eventSequence.lastId} + ${batch.length}) WHERE ${eventSequence.id} = 1`,
  );
  const [rows] = (await tx.execute(sql`SELECT LAST_INSERT_ID() AS lastId`)) as unknown as [{ lastId: number }[]];
  const lastId = Number(rows[0]?.lastId);
  if (!Number.isSafeInteger(lastId) || lastId < batch.length) throw new Error("event_sequence row is missing");
  const firstId = lastId - batch.length + 1;
  const createdAt = new Date().toISOString();
  const stored: StoredEvent[] = batch.map((event, index) => ({
    id: firstId + index,
    stream: event.stream,
    type: event.type,
    offerId: event.offerId ?? null,
    tripId: event.tripId ?? null,
    dispatcherId: event.dispatcherId ?? null,
    driverId: event.driverId ?? null,
    riderId: event.riderId ?? null,
    allDispatchers: event.allDispatchers ?? false,
    payload: event.payload,
    createdAt,
  }));
  await tx.execute(sql.raw(insertEventsStatement(stored)));
  return stored;
}

const INSERT_EVENTS_HEAD = sqlInsertHead(events, [
  events.id,
  events.stream,
  events.type,
  events.offerId,
  events.tripId,
  events.dispatcherId,
  events.driverId,
  events.riderId,
  events.allDispatchers,
  events.payload,
  events.payloadOf,
  events.createdAt,
]);

/**
 * One multi-row INSERT of literals (see `sqlLiterals.ts`): an offer to 500 drivers writes 501
 * rows, and through the query builder that statement alone cost ~30 ms of CPU.
 *
 * A payload object that several events of the batch share (an offer's `offer.received` for
 * each driver) is stored once; the other rows point at that row with `payload_of`. That
 * keeps the statement, and the MySQL work, proportional to what is distinct.
 */
function insertEventsStatement(stored: readonly StoredEvent[]): string {
  const createdAt = sqlUtcDatetime(Date.parse(stored[0]!.createdAt));
  const firstWithPayload = new Map<object, number>();
  const rows = stored.map((event) => {
    const payloadOf = firstWithPayload.get(event.payload);
    if (payloadOf === undefined) firstWithPayload.set(event.payload, event.id);
    const payload = payloadOf === undefined ? sqlString(JSON.stringify(event.payload)) : "'{}'";
    return (
      `(${event.id},${sqlString(event.stream)},${sqlString(event.type)},${sqlNumber(event.offerId)},${sqlNumber(event.tripId)},` +
      `${sqlNumber(event.dispatcherId)},${sqlNumber(event.driverId)},${sqlNumber(event.riderId)},${sqlBoolean(event.allDispatchers)},` +
      `${payload},${sqlNumber(payloadOf ?? null)},${createdAt})`
    );
  });
  return INSERT_EVENTS_HEAD + rows.join(",");
}

function audienceCondition(viewer: Viewer): SQL {
  switch (viewer.role) {
    case "dispatcher":
      return or(eq(events.dispatcherId, viewer.userId), eq(events.allDispatchers, true))!;
    case "driver":
      return eq(events.driverId, viewer.userId);
    case "rider":
      return eq(events.riderId, viewer.userId);
  }
}

/** Narrows a stream to one offer, trip or thread driver. */
export interface EventScope {
  offerId?: number;
  tripId?: number;
  driverId?: number;
}

export interface ReadEventsOptions {
  stream: EventStream;
  viewer: Viewer;
  scope?: EventScope | undefined;
  afterId: number;
  uptoId: number;
  /** Page size. @default 500 */
  limit?: number;
}

/** Events of one stream visible to `viewer` with `afterId < id <= uptoId`, oldest first. */
export async function readEvents(db: Database, options: ReadEventsOptions): Promise<StoredEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(
      and(
        eq(events.stream, options.stream),
        gt(events.id, options.afterId),
        lte(events.id, options.uptoId),
        audienceCondition(options.viewer),
        options.scope?.offerId === undefined ? undefined : eq(events.offerId, options.scope.offerId),
        options.scope?.tripId === undefined ? undefined : eq(events.tripId, options.scope.tripId),
        options.scope?.driverId === undefined ? undefined : eq(events.driverId, options.scope.driverId),
      ),
    )
    .orderBy(asc(events.id))
    .limit(options.limit ?? 500);
  return toStoredEvents(db, rows);
}

/** Every event after `afterId`, any stream and audience; for the per-process pump. */
export async function readAllEventsAfter(db: Database, afterId: number, limit = 1_000): Promise<StoredEvent[]> {
  const rows = await db.select().from(events).where(gt(events.id, afterId)).orderBy(asc(events.id)).limit(limit);
  return toStoredEvents(db, rows);
}

export async function latestEventId(db: Database): Promise<number> {
  const [row] = await db.select({ lastId: eventSequence.lastId }).from(eventSequence).where(eq(eventSequence.id, 1));
  return row?.lastId ?? 0;
}

type EventRow = typeof events.$inferSelect;

/**
 * Rows as events, with shared payloads filled in (see `insertEventsStatement`): from the
 * page itself where the first row is in it, otherwise with one lookup by primary key. Every
 * event that shares a payload gets the same object, as when it was written.
 */
async function toStoredEvents(db: Database, rows: EventRow[]): Promise<StoredEvent[]> {
  const payloads = new Map<number, Record<string, unknown>>();
  const missing = new Set<number>();
  for (const row of rows) {
    if (row.payloadOf === null) payloads.set(row.id, row.payload);
    else if (!payloads.has(row.payloadOf)) missing.add(row.payloadOf);
  }
  if (missing.size > 0) {
    const sources = await db
      .select({ id: events.id, payload: events.payload })
      .from(events)
      .where(inArray(events.id, [...missing]));
    for (const source of sources) payloads.set(source.id, source.payload);
  }
  return rows.map(({ payloadOf, ...row }) => ({
    ...row,
    payload: payloadOf === null ? row.payload : sharedPayload(payloads, row.id, payloadOf),
    createdAt: row.createdAt.toISOString(),
  }));
}

function sharedPayload(payloads: Map<number, Record<string, unknown>>, id: number, payloadOf: number): Record<string, unknown> {
  const payload = payloads.get(payloadOf);
  // Both rows are written by one INSERT and never deleted, so this is a damaged log.
  if (!payload) throw new Error(`event ${id} shares the payload of event ${payloadOf}, which is missing`);
  return payload;
}
