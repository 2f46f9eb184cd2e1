import type { EventEmitter } from "node:events";
import type { Pool } from "mysql2/promise";

/** `code` of the error a caller gets when no pooled connection came free in time. */
export const ACQUIRE_TIMEOUT_CODE = "CONVOY_ACQUIRE_TIMEOUT";
/** `code` of the error a statement gets when MySQL did not answer it in time. */
export const STATEMENT_TIMEOUT_CODE = "CONVOY_STATEMENT_TIMEOUT";

export interface PoolTimeouts {
  /** Longest wait for a pooled connection, in ms; 0 waits for ever. */
  acquireTimeoutMs: number;
  /** Longest wait for MySQL to answer one statement, in ms; 0 waits for ever. */
  statementTimeoutMs: number;
}

type Callback = (error: Error | null, connection?: CoreConnection) => void;

/** The parts of mysql2's callback pool and connection this file touches. */
interface CorePool extends EventEmitter {
  getConnection: (callback: Callback) => void;
}
interface CoreConnection extends EventEmitter {
  addCommand: (command: EventEmitter) => EventEmitter;
  release: () => void;
  stream: { destroy: (error?: Error) => void };
}

function timeoutError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Bounds every wait on MySQL, so that a server that stops answering without closing its
 * sockets (frozen, or a network that drops packets) fails callers within seconds instead of
 * holding them until TCP gives up.
 *
 * - Acquire: a caller waiting longer than `acquireTimeoutMs` for a connection gets an error
 *   with `code` `ACQUIRE_TIMEOUT_CODE`; a connection that comes free later goes to the next
 *   waiter. (mysql2's pool has a `queueLimit` but no acquire timeout.)
 * - Statements: a command MySQL has not answered `statementTimeoutMs` after it was issued
 *   destroys its connection. The command and any queued behind it fail with `code`
 *   `STATEMENT_TIMEOUT_CODE`, and the pool drops the connection. The timer is on the client
 *   because a frozen server enforces nothing (`max_statement_time` needs a live server).
 *   Destroying rather than abandoning the connection is what keeps transactions whole: the
 *   server rolls back an open transaction when it sees the socket closed, and nothing can
 *   be sent on that connection after a statement of the transaction has failed. A COMMIT
 *   that times out is the one ambiguous case: it may have been applied.
 *
 * Works on mysql2's own pool through its public `connection` event and `getConnection`.
 */
export function applyPoolTimeouts(pool: Pool, timeouts: PoolTimeouts): void {
  const core = (pool as unknown as { pool: CorePool }).pool;
  if (timeouts.acquireTimeoutMs > 0) boundAcquire(core, timeouts.acquireTimeoutMs);
  if (timeouts.statementTimeoutMs > 0) {
    core.on("connection", (connection: CoreConnection) => boundStatements(connection, timeouts.statementTimeoutMs));
  }
}

function boundAcquire(core: CorePool, timeoutMs: number): void {
  const getConnection = core.getConnection.bind(core);
  core.getConnection = (callback) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      callback(timeoutError(ACQUIRE_TIMEOUT_CODE, `no MySQL connection came free within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    getConnection((error, connection) => {
      if (settled) {
        // The caller has gone; pass the connection on to the next one waiting.
        if (!error) connection?.release();
        return;
      }
      settled = true;
      clearTimeout(timer);
      callback(error, connection);
    });
  };
}

function boundStatements(connection: CoreConnection, timeoutMs: number): void {
  const addCommand = connection.addCommand.bind(connection);
  connection.addCommand = (command) => {
    const timer = setTimeout(() => {
      connection.stream.destroy(timeoutError(STATEMENT_TIMEOUT_CODE, `MySQL did not answer within ${timeoutMs} ms; the connection was closed`));
    }, timeoutMs);
    timer.unref();
    // "end" follows a result and a MySQL error alike; a connection that failed has no
    // stream left for the timer to destroy.
    command.once("end", () => clearTimeout(timer));
    return addCommand(command);
  };
}
