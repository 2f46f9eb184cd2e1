import type { Pool, PoolConnection, QueryOptions } from "mysql2/promise";

/**
 * Fewer round trips per transaction. Every statement sent to MySQL is a write to its socket
 * and a wait for the answer; on the benchmark machine such a round trip costs the server
 * about 0.1 ms of CPU whatever the statement, and a transaction holds its pooled connection
 * (and its row locks) for every one of them. A transaction's connection here
 * (`BatchingConnection`) sends nothing that nothing waits on:
 *
 * - `BEGIN` goes out with the transaction's first statement, in one multi-statement query.
 *   InnoDB takes a transaction's snapshot at its first read, not at `BEGIN`, so this changes
 *   nothing but the count. A transaction that sends nothing (refused before its first
 *   statement) sends no `BEGIN` and no `ROLLBACK` either.
 * - A write whose answer the transaction needs only later (`deferStatement`) goes out in
 *   front of the next statement, or with `COMMIT`: `INSERT …; COMMIT` is one round trip.
 *   MySQL runs the statements of one query in order and stops at the first that fails, so a
 *   failing deferred write fails the statement that carried it (and a `COMMIT` it carried is
 *   not run); the transaction then rolls back as usual. A deferred write never waits longer
 *   than the current turn of the event loop: if nothing carries it by then, it goes alone.
 *
 * The pool is opened with `multipleStatements`: every statement the project sends is built
 * by Drizzle with `?` values or from literals escaped by mysql2 (`escapeSqlString`), never
 * by pasting input into SQL.
 */

/** What MySQL answers a write with; `insertId` is a string past 2^53 (`supportBigNumbers`). */
export interface WriteAnswer {
  insertId: number | string;
  affectedRows: number;
}

/** What `query` answers for a statement it did not have to send (Drizzle reads nothing of it). */
const nothingSent = (): Promise<[unknown, unknown]> => Promise.resolve([{ insertId: 0, affectedRows: 0 }, undefined]);

interface DeferredStatement {
  sql: string;
  resolve: (result: WriteAnswer) => void;
  reject: (error: unknown) => void;
}

/** Why a deferred statement was never sent: its transaction ended first. */
class StatementNotSentError extends Error {
  constructor() {
    super("the transaction ended before this deferred statement was sent");
  }
}

/** A pooled connection that holds back `BEGIN` and deferred writes until something carries them. */
export class BatchingConnection {
  private beginPending = false;
  private deferred: DeferredStatement[] = [];
  private flushScheduled = false;
  /** Why a send that carried deferred writes failed; the transaction may then only roll back. */
  private failure: Error | undefined = undefined;

  constructor(private readonly inner: PoolConnection) {}

  /** mysql2's callback connection underneath, as a pooled connection exposes it. */
  get connection(): PoolConnection["connection"] {
    return this.inner.connection;
  }

  /** Queues `statement` (literal SQL, no `?` values) to go out with the next statement or the commit. */
  defer(statement: string): Promise<WriteAnswer> {
    const result = new Promise<WriteAnswer>((resolve, reject) => this.deferred.push({ sql: statement, resolve, reject }));
    // A transaction that rolls back never awaits its deferred writes.
    result.catch(() => undefined);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        if (this.deferred.length > 0) void this.send({ sql: "DO 0" }, undefined).catch(() => undefined);
      });
    }
    return result;
  }

  query(options: string | QueryOptions, values?: unknown): Promise<[unknown, unknown]> {
    const text = typeof options === "string" ? options : options.sql;
    const word = text.length <= 8 ? text.trim().toLowerCase() : "";
    // MySQL does not say which statement of a query failed: once one that carried deferred
    // writes has, none of the transaction's writes is known to have happened.
    if (this.failure !== undefined) {
      if (word !== "rollback") return Promise.reject(this.failure);
      this.failure = undefined;
    }
    if (word === "begin") {
      this.beginPending = true;
      return nothingSent();
    }
    if (word === "rollback") {
      this.drop();
      // Nothing of the transaction reached MySQL: there is nothing to roll back.
      if (this.beginPending) {
        this.beginPending = false;
        return nothingSent();
      }
    }
    if (word === "commit" && this.beginPending && this.deferred.length === 0) {
      this.beginPending = false;
      return nothingSent();
    }
    return this.send(typeof options === "string" ? { sql: options } : options, values);
  }

  /** Prepared statements cannot share a query with others: what waits goes first, alone. */
  async execute(options: string | QueryOptions, values?: unknown): Promise<unknown> {
    if (this.beginPending || this.deferred.length > 0) await this.send({ sql: "DO 0" }, undefined);
    return this.inner.execute(options as string, values as never);
  }

  release(): void {
    this.beginPending = false;
    this.failure = undefined;
    this.drop();
    this.inner.release();
  }

  destroy(): void {
    this.beginPending = false;
    this.failure = undefined;
    this.drop();
    this.inner.destroy();
  }

  /** Sends a statement with whatever waits in front of it, and answers with its own result. */
  private async send(options: QueryOptions, values: unknown): Promise<[unknown, unknown]> {
    const begin = this.beginPending;
    const carried = this.deferred;
    if (!begin && carried.length === 0) return this.inner.query(options, values as never[]);
    const text = options.sql;
    this.beginPending = false;
    this.deferred = [];
    const parts = begin ? ["BEGIN"] : [];
    for (const statement of carried) parts.push(statement.sql);
    // Values are filled in here, with mysql2's own formatting, so that a `?` inside a
    // carried statement's string literal is never taken for a placeholder.
    parts.push(Array.isArray(values) && values.length > 0 ? this.inner.connection.format(text, values) : text);
    try {
      const [results, fields] = (await this.inner.query({ ...options, sql: parts.join(";\n") })) as unknown as [unknown[], unknown[]];
      const first = begin ? 1 : 0;
      carried.forEach((statement, index) => statement.resolve(results[first + index] as WriteAnswer));
      return [results[results.length - 1], fields[fields.length - 1]];
    } catch (error) {
      if (carried.length > 0) this.failure = error instanceof Error ? error : new Error(String(error));
      for (const statement of carried) statement.reject(error);
      throw error;
    }
  }

  private drop(): void {
    const dropped = this.deferred;
    this.deferred = [];
    for (const statement of dropped) statement.reject(new StatementNotSentError());
  }
}

/**
 * The pool as Drizzle should see it: the same pool, whose `getConnection` (what Drizzle's
 * `transaction` takes its connection from) hands out `BatchingConnection`s.
 */
export function batchingPool(pool: Pool): Pool {
  return Object.create(pool, {
    getConnection: { value: async () => new BatchingConnection(await pool.getConnection()) },
  }) as Pool;
}

/**
 * Runs the literal write `statement` in the transaction behind `tx` together with its next
 * statement or its commit (see above), and resolves with MySQL's answer once that has come.
 * Do not await it before the transaction's next statement is under way: awaiting at once
 * costs the turn of the event loop after which it goes alone.
 */
export function deferStatement(tx: unknown, statement: string): Promise<WriteAnswer> {
  const client = (tx as { session?: { client?: unknown } }).session?.client;
  if (!(client instanceof BatchingConnection)) throw new Error("deferStatement needs a transaction of a database opened by createDb");
  return client.defer(statement);
}
