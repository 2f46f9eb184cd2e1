import type { Database, Transaction } from "@convoy/db";
import { isRetryableTransactionError } from "./errors";

/** Attempts for a transaction that keeps hitting deadlocks. @default 5 */
const MAX_ATTEMPTS = 5;

export type Tx = Transaction;

/**
 * Runs `work` in a transaction and retries the whole of it on deadlock or lock-wait
 * timeout, with a short jittered backoff. `work` must not have side effects outside
 * the transaction, since it may run more than once.
 */
export async function withTransaction<T>(db: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}
