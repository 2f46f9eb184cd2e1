import { and, asc, type Database, deferStatement, eq, events, type EventStream, gt, inArray, lte, or, type SQL, sql } from "@convoy/db";
import { sqlBoolean, sqlInsertHead, sqlJson, sqlNumber, sqlString, sqlUtcDatetime } from "../lib/sqlLiterals";
import type { Tx } from "../lib/transaction";
import type { NewEvent, StoredEvent, Viewer } from "./types";

/** What MySQL answers an INSERT with. */
type InsertResult = Awaited<ReturnType<typeof deferStatement>>;

/**
 * Appends events inside the caller's transaction, in one INSERT, and returns them with their ids.
 *
 * Ids are AUTO_INCREMENT. For an INSERT of listed rows InnoDB reserves one block of
 * consecutive ids at once and holds its auto-increment lock only for that moment
 * (`innodb_autoinc_lock_mode` 1 and 2, MariaDB's and MySQL 8's defaults) or to the end of the
 * statement (mode 0), never to the commit: concurrent writers do not wait for each other.
 * The price is on the reading side: ids commit out of order, and a transaction that rolls
 * back leaves its ids unused, so a reader must not take `id > N` as "everything after N"
 * above the pump's watermark (see `EventPump`). One round trip: the first id comes back with
 * the INSERT (`insertId`).
 */
export async function appendEvents(tx: Tx, batch: NewEvent[]): Promise<StoredEvent[]> {
  if (batch.length === 0) return [];
  const createdAtMs = Date.now();
  const [result] = (await tx.execute(sql.raw(insertEventsStatement(batch, createdAtMs)))) as unknown as [InsertResult];
  return storedEvents(batch, result, createdAtMs);
}

/**
 * `appendEvents` as the transaction's last write: the INSERT goes to MySQL with the COMMIT,
 * in one round trip (`deferStatement`), and the events come back once both have run. Call it
 * after the transaction's last statement and do not await it inside the transaction.
 */
export async function appendEventsAtCommit(tx: Tx, batch: NewEvent[]): Promise<StoredEvent[]> {
  if (batch.length === 0) return [];
  const createdAtMs = Date.now();
  const result = await deferStatement(tx, insertEventsStatement(batch, createdAtMs));
  return storedEvents(batch, result, createdAtMs);
}

function storedEvents(batch: readonly NewEvent[], result: InsertResult, createdAtMs: number): StoredEvent[] {
  const firstId = Number(result.insertId);
  if (!Number.isSafeInteger(firstId) || firstId < 1 || result.affectedRows !== batch.length) {
    throw new Error(`appending ${batch.length} events returned insertId ${result.insertId} for ${result.affectedRows} rows`);
  }
  const createdAt = new Date(createdAtMs).toISOString();
  return batch.map((event, index) => ({
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
}

const INSERT_EVENTS_HEAD = sqlInsertHead(events, [
  events.stream,
  events.type,
  events.offerId,
  events.tripId,
  events.dispatcherId,
  events.driverId,
  events.riderId,
  events.allDispatchers,
  events.payload,
  events.payloadBack,
  events.createdAt,
]);

/**
 * One multi-row INSERT of literals (see `sqlLiterals.ts`): an offer to 500 drivers writes 501
 * rows, and through the query builder that statement alone cost ~30 ms of CPU.
 *
 * A payload object that several events of the batch share (an offer's `offer.received` for
 * each driver) is stored once; the other rows say how many rows back it is with
 * `payload_back`. That keeps the statement, and the MySQL work, proportional to what is
 * distinct. The distance is exact because the rows of one INSERT get consecutive ids.
 */
function insertEventsStatement(batch: readonly NewEvent[], createdAtMs: number): string {
  const createdAt = sqlUtcDatetime(createdAtMs);
  const firstWithPayload = new Map<object, number>();
  const rows = batch.map((event, index) => {
    const source = firstWithPayload.get(event.payload);
    if (source === undefined) firstWithPayload.set(event.payload, index);
    const payload = source === undefined ? sqlJson(JSON.stringify(event.payload)) : "'{}'";
    return (
      `(${sqlString(event.stream)},${sqlString(event.type)},${sqlNumber(event.offerId ?? null)},${sqlNumber(event.tripId ?? null)},` +
      `${sqlNumber(event.dispatcherId ?? null)},${sqlNumber(event.driverId ?? null)},${sqlNumber(event.riderId ?? null)},` +
      `${sqlBoolean(event.allDispatchers ?? false)},${payload},${sqlNumber(source === undefined ? null : index - source)},${createdAt})`
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

/**
 * Every committed event after `afterId` (and up to `uptoId` when given), any stream and
 * audience, oldest first; for the per-process pump. `limit` defaults to 1,000.
 */
export async function readAllEventsAfter(db: Database, afterId: number, limit = 1_000, uptoId?: number): Promise<StoredEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(and(gt(events.id, afterId), uptoId === undefined ? undefined : lte(events.id, uptoId)))
    .orderBy(asc(events.id))
    .limit(limit);
  return toStoredEvents(db, rows);
}

/**
 * The highest committed event id (0 for an empty log). Ids below it may still be in flight:
 * it bounds what a client can have seen, not what is settled.
 */
export async function latestEventId(db: Database): Promise<number> {
  const [row] = await db.select({ lastId: sql<number | string | null>`MAX(${events.id})` }).from(events);
  return Number(row?.lastId ?? 0);
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
    if (row.payloadBack === null) payloads.set(row.id, row.payload);
    else if (!payloads.has(row.id - row.payloadBack)) missing.add(row.id - row.payloadBack);
  }
  if (missing.size > 0) {
    const sources = await db
      .select({ id: events.id, payload: events.payload })
      .from(events)
      .where(inArray(events.id, [...missing]));
    for (const source of sources) payloads.set(source.id, source.payload);
  }
  return rows.map(({ payloadBack, ...row }) => ({
    ...row,
    payload: payloadBack === null ? row.payload : sharedPayload(payloads, row.id, row.id - payloadBack),
    createdAt: row.createdAt.toISOString(),
  }));
}

function sharedPayload(payloads: Map<number, Record<string, unknown>>, id: number, sourceId: number): Record<string, unknown> {
  const payload = payloads.get(sourceId);
  // Both rows are written by one INSERT and never deleted, so this is a damaged log.
  if (!payload) throw new Error(`event ${id} shares the payload of event ${sourceId}, which is missing`);
  return payload;
}
