import type { Database } from "@convoy/db";
import { withTransaction, type Tx } from "../lib/transaction";
import { appendEventsAtCommit } from "./eventLog";
import type { EventPump } from "./pump";
import type { NewEvent, StoredEvent } from "./types";

export type Emit = (event: NewEvent) => void;

/**
 * Work a domain attaches to every change that emits events, registered once when the
 * services are built. It runs inside the change's transaction, after the change itself,
 * with the events the change emitted so far, and may write rows and emit more events;
 * whatever it writes commits or rolls back with the change.
 */
export type CommitHook = (tx: Tx, emit: Emit, emitted: readonly NewEvent[]) => Promise<void>;

/** What `commitWithEvents` needs: the database, the pump's publishing side, and the registered hooks. */
export interface CommitDeps {
  db: Database;
  pump: Pick<EventPump, "publish">;
  commitHooks: readonly CommitHook[];
}

/**
 * Runs `work` in a transaction (retried whole on deadlock), then the commit hooks, writes
 * the events they all emitted in that same transaction (their INSERT goes with the COMMIT),
 * and publishes them only after the commit, so no subscriber ever sees an event for a change
 * that rolled back. The pump is told how long the transaction took, retries included (the
 * event-write latency).
 */
export async function commitWithEvents<T>(deps: CommitDeps, work: (tx: Tx, emit: Emit) => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  let appended: Promise<StoredEvent[]> = Promise.resolve([]);
  const result = await withTransaction(deps.db, async (tx) => {
    const pending: NewEvent[] = [];
    const emit: Emit = (event) => pending.push(event);
    const value = await work(tx, emit);
    if (deps.commitHooks.length > 0) {
      // Each hook sees what the change emitted, not what an earlier hook added.
      const emitted = [...pending];
      for (const hook of deps.commitHooks) await hook(tx, emit, emitted);
    }
    // Written with the COMMIT, in one round trip; an attempt that rolls back never sends it.
    appended = appendEventsAtCommit(tx, pending);
    appended.catch(() => undefined);
    return value;
  });
  deps.pump.publish(await appended, performance.now() - startedAt);
  return result;
}
