import type { Database } from "@convoy/db";
import { withTransaction, type Tx } from "../lib/transaction";
import { recordOfferActivity } from "../chat/offerActivity";
import { appendEvents } from "./eventLog";
import type { EventPump } from "./pump";
import type { NewEvent, StoredEvent } from "./types";

export type Emit = (event: NewEvent) => void;

/**
 * Runs `work` in a transaction (retried whole on deadlock), writes the events it emitted
 * in that same transaction, and publishes them only after the commit, so no subscriber
 * ever sees an event for a change that rolled back.
 */
export async function commitWithEvents<T>(
  deps: { db: Database; pump: EventPump },
  work: (tx: Tx, emit: Emit) => Promise<T>,
): Promise<T> {
  let stored: StoredEvent[] = [];
  const result = await withTransaction(deps.db, async (tx) => {
    const pending: NewEvent[] = [];
    const emit: Emit = (event) => pending.push(event);
    const value = await work(tx, emit);
    await recordOfferActivity(tx, emit, [...pending]);
    stored = await appendEvents(tx, pending);
    return value;
  });
  deps.pump.publish(stored);
  return result;
}
