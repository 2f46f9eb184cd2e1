import { and, asc, eq, gt, lte, or, sql, type SQL } from "drizzle-orm";
import { events, eventSequence, type Database, type EventStream } from "@convoy/db";
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
  const createdAt = new Date();
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
    createdAt: createdAt.toISOString(),
  }));
  await tx.insert(events).values(stored.map((event) => ({ ...event, createdAt })));
  return stored;
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
  return rows.map(toStoredEvent);
}

/** Every event after `afterId`, any stream and audience; for the per-process pump. */
export async function readAllEventsAfter(db: Database, afterId: number, limit = 1_000): Promise<StoredEvent[]> {
  const rows = await db.select().from(events).where(gt(events.id, afterId)).orderBy(asc(events.id)).limit(limit);
  return rows.map(toStoredEvent);
}

export async function latestEventId(db: Database): Promise<number> {
  const [row] = await db.select({ lastId: eventSequence.lastId }).from(eventSequence).where(eq(eventSequence.id, 1));
  return row?.lastId ?? 0;
}

function toStoredEvent(row: typeof events.$inferSelect): StoredEvent {
  return { ...row, createdAt: row.createdAt.toISOString() };
}
