import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import { createPool, type Pool, type PoolOptions } from "mysql2/promise";
import { applyPoolTimeouts } from "./poolTimeouts";
import { batchingPool } from "./statementBatching";
import * as schema from "./schema";

/**
 * Drizzle over a mysql2 pool; `$client` is the pool, for work that needs one connection
 * throughout. Drizzle's transactions batch their statements (`statementBatching.ts`).
 */
export type Database = MySql2Database<typeof schema> & { $client: Pool };
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
  /** Longest wait for a new connection's TCP connect and handshake, in ms. @default 3_000 */
  connectTimeoutMs?: number;
  /** Longest wait for a pooled connection to come free, in ms; 0 waits for ever. @default 3_000 */
  acquireTimeoutMs?: number;
  /**
   * Longest wait for MySQL to answer one statement, in ms; 0 waits for ever. The connection
   * is closed when it passes (see `applyPoolTimeouts`). @default 5_000
   */
  statementTimeoutMs?: number;
}

/**
 * Opens a mysql2 pool for `url` and wraps it in Drizzle.
 * Dates are read and written as UTC so DATETIME columns mean the same on every server.
 * Every wait on MySQL is bounded (connect, acquire, statement), so a MySQL that stops
 * answering fails callers within seconds.
 */
export function createDb(url: string, options: CreateDbOptions = {}): DbHandle {
  const poolOptions: PoolOptions = {
    uri: url,
    timezone: "Z",
    connectionLimit: options.connectionLimit ?? 10,
    waitForConnections: true,
    // A caller waiting for a connection while MySQL is down or frozen should fail, not hang.
    connectTimeout: options.connectTimeoutMs ?? 3_000,
    enableKeepAlive: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    // mysql2 otherwise captures a stack trace for every statement, in case it fails: about 6 %
    // of the server's CPU on calls that read MySQL. Drizzle's errors still name the statement.
    trace: false,
    // A transaction sends BEGIN with its first statement and deferred writes with the next
    // one or its COMMIT, as one query (see `statementBatching.ts`).
    multipleStatements: true,
  };
  const pool = createPool(poolOptions);
  applyPoolTimeouts(pool, {
    acquireTimeoutMs: options.acquireTimeoutMs ?? 3_000,
    statementTimeoutMs: options.statementTimeoutMs ?? 5_000,
  });
  const db = drizzle(batchingPool(pool), { schema, mode: "default" });
  // Work that takes a connection of its own gets a plain one.
  db.$client = pool;
  return { db, pool, close: () => pool.end() };
}

/** How a pool's connections are used at one moment. */
export interface PoolUse {
  /** Connections open (in use or idle). */
  open: number;
  /** Open connections idle in the pool. */
  free: number;
  /** Callers waiting for a connection. */
  queued: number;
  /** Most connections the pool opens. */
  limit: number;
}

/** The parts of mysql2's callback pool read by `poolUse`; its queues have a `length`. */
interface CorePoolState {
  _allConnections: { length: number };
  _freeConnections: { length: number };
  _connectionQueue: { length: number };
  config: { connectionLimit: number };
}

/** Reads `pool`'s use from mysql2's own queues: no query, no allocation beyond the result. */
export function poolUse(pool: Pool): PoolUse {
  const core = (pool as unknown as { pool: CorePoolState }).pool;
  return {
    open: core._allConnections.length,
    free: core._freeConnections.length,
    queued: core._connectionQueue.length,
    limit: core.config.connectionLimit,
  };
}
