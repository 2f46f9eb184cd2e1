import { tracked, TRPCError, type TrackedEnvelope } from "@trpc/server";
import type { Database, EventStream } from "@convoy/db";
import type { ConnectionBacklog } from "../lib/socketBacklog";
import { latestEventId, readEvents, type EventScope } from "./eventLog";
import type { EventPump } from "./pump";
import { closingWith, type OpenStream, type StreamSink } from "./openStream";
import { BoundedQueue, QueueOverflowError } from "./queue";
import { isVisibleTo, type StoredEvent, type Viewer } from "./types";

export interface DurableStreamOptions<T> {
  db: Database;
  pump: EventPump;
  stream: EventStream;
  viewer: Viewer;
  /** The last id the client saw; null starts with live events only. */
  lastEventId: string | null | undefined;
  scope?: EventScope;
  signal: AbortSignal | undefined;
  /** The connection's unread backlog: events wait while it is behind. Null or absent: no pacing. */
  backlog?: ConnectionBacklog | null;
  /** What the client receives for a stored event (the stream's typed view of it). */
  view: (event: StoredEvent) => T;
}

const PAGE = 500;
const SHED_REASON = "too far behind; reconnect to resume";

/**
 * Waits while the reader is behind, or until the stream is closed. False when the
 * subscriber's queue overflowed first: the connection is shed then (the client resumes from
 * its last id).
 */
async function waitForReader(backlog: ConnectionBacklog, queue: BoundedQueue<StoredEvent>): Promise<boolean> {
  let stopListening: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stopListening = queue.onStop(resolve)));
  await Promise.race([backlog.caughtUp(), stopped]);
  stopListening();
  if (!queue.overflowed) return true;
  backlog.shed(SHED_REASON);
  return false;
}

function inScope(event: StoredEvent, scope: EventScope | undefined): boolean {
  if (!scope) return true;
  if (scope.offerId !== undefined && event.offerId !== scope.offerId) return false;
  if (scope.tripId !== undefined && event.tripId !== scope.tripId) return false;
  if (scope.driverId !== undefined && event.driverId !== scope.driverId) return false;
  return true;
}

/**
 * A resumable subscription: the backlog after `lastEventId`, then live events, with no gap
 * and no duplicate.
 *
 * Listens before it resolves: a procedure that awaits this and then returns the stream lets
 * tRPC answer `started` only once every event committed from then on will be delivered. A
 * client may act on `started` at once (send a message it expects to see) without a window
 * in which the event is lost.
 *
 * MySQL is needed only to start: a resume whose backlog cannot be read ends with MySQL's
 * error, which the procedure middleware turns into SERVICE_UNAVAILABLE, and the client
 * resubscribes from its last id. Once live, the stream needs only the pump and waits through
 * an outage: nothing is committed meanwhile, and the pump catches up when MySQL is back.
 *
 * The live subscription is attached first and remembers the pump's position P, its watermark:
 * every id up to P is committed or will never be written. The backlog is read from MySQL up
 * to P, which is therefore final, and the live queue holds everything after P in id order,
 * so the two halves meet exactly. Ids have gaps (rolled-back writers); `lastEventId` is only
 * ever compared, never incremented.
 *
 * Paced by the reader: while the connection's `backlog` is behind, no event is written and
 * live events wait in the pump's queue for this subscriber (at most `subscriberBufferLimit`,
 * 5,000 by default). When that queue overflows the connection is shed at once (closed with
 * 1013, `BACKLOG_CLOSE_CODE`), whether or not the reader is reading: the client reconnects
 * and resumes from its `lastEventId`, reading what it missed from MySQL, so the server never
 * holds more than that for one slow socket and nothing is lost.
 *
 * Piped or read: `pipe` hands each event to its sink in the pump's own turn, as the pump
 * pushes it (a socket's direct subscription: no promise or async step per event); `read` is
 * the same stream through a queue of the same bound, for tRPC's adapter.
 */
export async function openDurableStream<T>(options: Omit<DurableStreamOptions<T>, "signal">): Promise<OpenStream<TrackedEnvelope<T>>> {
  const { db, pump, stream, viewer, scope, view, backlog } = options;
  const requested = options.lastEventId == null ? null : Number(options.lastEventId);
  const subscription = pump.subscribe({ viewer }, (event) => event.stream === stream && isVisibleTo(event, viewer) && inScope(event, scope));
  const close = () => {
    subscription.unsubscribe();
    subscription.queue.end();
  };
  // Ahead of this pump: an id another instance delivered that this one has not pumped yet
  // (valid: the live queue brings everything after the watermark, and what is at or below
  // `requested` is dropped), or an id that does not exist. Only the log tells them apart;
  // without MySQL that is the database's error (a retryable 503), not the client's. The pump
  // is not waited for: it may be held behind an open writer for as long as that stays open.
  if (requested !== null && requested > subscription.startId) {
    try {
      const latest = await latestEventId(db);
      if (requested > latest) {
        throw new TRPCError({ code: "BAD_REQUEST", message: `lastEventId ${requested} is ahead of the event log (latest is ${latest})` });
      }
    } catch (error) {
      close();
      throw error;
    }
    void pump.catchUp();
  }

  const { queue } = subscription;
  const seenUpTo = Math.max(requested ?? 0, subscription.startId);
  const envelope = (event: StoredEvent) => tracked(String(event.id), view(event));

  /**
   * The stream itself: the backlog read from MySQL, then the live queue's events as the pump
   * pushes them, written the moment each arrives (the queue calls back; nothing waits in a
   * promise per event: an offer to 500 drivers is 500 of these at once). While the reader is
   * behind, events stay in the queue until it caught up.
   */
  function pipe(sink: StreamSink<TrackedEnvelope<T>>): void {
    let finished = false;
    let paused = false;
    let flushing = false;
    const finish = (error: unknown) => {
      if (finished) return;
      finished = true;
      queue.onChange(null);
      close();
      sink.end(error);
    };
    const resumeOnceCaughtUp = (pacing: ConnectionBacklog) => {
      paused = true;
      void waitForReader(pacing, queue).then((caughtUp) => {
        paused = false;
        if (caughtUp) flush();
        else finish(null);
      });
    };
    // Runs after every change to the queue; a call made from inside an item's write (the
    // subscriber stopped meanwhile) is left to the loop already running.
    const flush = () => {
      if (flushing || paused || finished) return;
      flushing = true;
      try {
        for (;;) {
          if (queue.length === 0) {
            if (queue.error) overflowed(queue.error);
            else if (queue.isEnded) finish(null);
            return;
          }
          if (backlog?.behind && !queue.isEnded) {
            resumeOnceCaughtUp(backlog);
            return;
          }
          const event = queue.shift()!;
          if (event.id <= seenUpTo) continue;
          // An item written may stop the subscriber (and so end the queue): the loop then
          // runs out what is left, which its sink ignores, and ends at the empty queue.
          // Whatever fails here fails this stream only, never the pump's push to others.
          try {
            sink.item(envelope(event));
          } catch (error) {
            finish(error);
          }
        }
      } finally {
        flushing = false;
      }
    };
    const overflowed = (error: Error) => {
      // With a socket, the client resumes from its last id on reconnect; nothing sent after this reaches it.
      const shed = backlog !== null && backlog !== undefined && error instanceof QueueOverflowError;
      if (shed) backlog.shed(SHED_REASON);
      finish(shed ? null : error);
    };
    const readBacklog = async () => {
      let cursor = requested ?? subscription.startId;
      while (cursor < subscription.startId) {
        const page = await readEvents(db, { stream, viewer, scope, afterId: cursor, uptoId: subscription.startId, limit: PAGE });
        for (const event of page) {
          const stop = finished || queue.isEnded || (backlog?.behind === true && !(await waitForReader(backlog, queue)));
          if (stop) {
            finish(null);
            return;
          }
          sink.item(envelope(event));
        }
        if (page.length < PAGE) break;
        cursor = page[page.length - 1]!.id;
      }
      queue.onChange(flush);
      flush();
    };
    readBacklog().catch(finish);
  }

  /** The stream as an async iterable, for tRPC's adapter: `pipe` into a queue of the same bound. */
  function read(signal: AbortSignal | undefined): AsyncIterable<TrackedEnvelope<T>> {
    const out = new BoundedQueue<TrackedEnvelope<T>>(queue.limit);
    pipe({ item: (item) => out.push(item), end: (error) => (error === null ? out.end() : out.fail(asError(error))) });
    async function* events(): AsyncGenerator<TrackedEnvelope<T>> {
      try {
        yield* out.drain(signal);
      } catch (error) {
        if (!(backlog && error instanceof QueueOverflowError)) throw error;
        backlog.shed(SHED_REASON);
      } finally {
        close();
      }
    }
    return closingWith(events(), close);
  }

  return { read, pipe, close };
}

const asError = (thrown: unknown): Error => (thrown instanceof Error ? thrown : new Error(String(thrown)));

/**
 * `openDurableStream` as a subscription procedure returns it: listening once this resolves,
 * and closed when the subscription ends, even if it ends before the first event is read.
 */
export async function durableStream<T>(options: DurableStreamOptions<T>): Promise<AsyncIterable<TrackedEnvelope<T>>> {
  return (await openDurableStream(options)).read(options.signal);
}
