import type { Database, EventStream } from "@convoy/db";
import { appendEvents } from "@convoy/api/server";
import type { Collected } from "./subscriptions";

/** The `type` of every marker row; no Convoy code writes or reads it. */
export const MARKER_TYPE = "test.marker";

/** Who a marker is for and where it belongs: the same columns a real event's audience uses. */
export interface MarkerAudience {
  offerId?: number;
  tripId?: number;
  dispatcherId?: number;
  driverId?: number;
  riderId?: number;
  allDispatchers?: boolean;
}

/** What can pick up an event written straight to MySQL: the server's `EventPump`. */
interface Pump {
  catchUp: () => Promise<void>;
}

/**
 * Appends one marker event per audience to `stream` in the durable log with Convoy's own
 * `appendEvents` (so their ids are above every id taken before), then has the server's pump
 * pick them up (a server in another process, with no `pump` here, finds them by its own
 * polling). Returns their ids, in `audiences` order.
 */
export async function writeMarkers(db: Database, pump: Pump | null, stream: EventStream, audiences: MarkerAudience[]): Promise<number[]> {
  const stored = await db.transaction((tx) =>
    appendEvents(
      tx,
      audiences.map((audience) => ({ stream, type: MARKER_TYPE, payload: { marker: true }, ...audience })),
    ),
  );
  await pump?.catchUp();
  return stored.map((event) => event.id);
}

/**
 * Waits until `stream` delivers the item whose id is `markerId` and returns the items that
 * arrived before it. A durable stream delivers in event-id order and the marker was
 * written after everything the test expects, so all of that is in the result, and so is
 * any duplicate of it: a check for "exactly these, once each" needs no sleep to catch
 * extras. Rejects after `timeoutMs` (default 10_000).
 */
export async function beforeMarker<T>(
  stream: Collected<T>,
  markerId: number,
  idOf: (item: T) => string | number | undefined,
  timeoutMs = 10_000,
): Promise<T[]> {
  const isMarker = (item: T) => Number(idOf(item)) === markerId;
  const items = await stream.until((received) => received.some(isMarker), timeoutMs);
  return items.slice(0, items.findIndex(isMarker));
}

/** The id a tracked subscription item carries (`{ id, data }`), or undefined for an untracked one. */
export const trackedId = (item: unknown): string | undefined =>
  typeof item === "object" && item !== null && "id" in item && typeof item.id === "string" ? item.id : undefined;

/**
 * Writes one marker per stream (for the audience given with it) in one transaction, waits
 * for each, and returns what each stream received before its marker, in order.
 */
export async function throughMarkers<T>(
  t: { db: Database; server: { services: { pump: Pump } } },
  stream: EventStream,
  watched: { stream: Collected<T>; audience: MarkerAudience }[],
  timeoutMs?: number,
): Promise<T[][]> {
  const ids = await writeMarkers(
    t.db,
    t.server.services.pump,
    stream,
    watched.map((entry) => entry.audience),
  );
  return Promise.all(watched.map((entry, index) => beforeMarker(entry.stream, ids[index]!, trackedId, timeoutMs)));
}
