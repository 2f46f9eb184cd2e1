import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import { createPool, type Pool, type PoolOptions } from "mysql2/promise";
import * as schema from "./schema";

export type Database = MySql2Database<typeof schema>;
/** The handle `db.transaction` passes to its callback. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** A handle that works both outside and inside `db.transaction`. */
export type DbOrTx = Database | Transaction;

export interface DbHandle {
  db: Database;
  pool: Pool;
  /** Ends the pool; waits for queries in flight. */
  close: () => Promise<void>;
}

export interface CreateDbOptions {
  /** Pool size. @default 10 */
  connectionLimit?: number;
}

/**
 * Opens a mysql2 pool for `url` and wraps it in Drizzle.
 * Dates are read and written as UTC so DATETIME columns mean the same on every server.
 */
export function createDb(url: string, options: CreateDbOptions = {}): DbHandle {
  const poolOptions: PoolOptions = {
    uri: url,
    timezone: "Z",
    connectionLimit: options.connectionLimit ?? 10,
    waitForConnections: true,
    // A caller waiting for a connection while MySQL is down should fail, not hang.
    connectTimeout: 5_000,
    enableKeepAlive: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
  };
  const pool = createPool(poolOptions);
  const db = drizzle(pool, { schema, mode: "default" });
  return { db, pool, close: () => pool.end() };
}
