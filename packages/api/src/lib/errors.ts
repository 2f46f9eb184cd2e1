import { TRPCError } from "@trpc/server";
import { ACQUIRE_TIMEOUT_CODE, STATEMENT_TIMEOUT_CODE } from "@convoy/db";

/** MySQL error numbers Convoy reacts to. */
export const MYSQL_DEADLOCK = 1213;
export const MYSQL_LOCK_WAIT_TIMEOUT = 1205;
export const MYSQL_DUPLICATE_ENTRY = 1062;

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  // MariaDB kills open connections when it shuts down.
  "ER_CONNECTION_KILLED",
  "ER_QUERY_INTERRUPTED",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  // The pool's own bounds on a MySQL that stopped answering (see @convoy/db's poolTimeouts).
  ACQUIRE_TIMEOUT_CODE,
  STATEMENT_TIMEOUT_CODE,
]);

/** Drizzle wraps driver errors; the MySQL details live on the innermost `cause`. */
export function mysqlErrorOf(error: unknown): { errno?: number; code?: string } | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const candidate = current as { errno?: unknown; code?: unknown; cause?: unknown };
    if (typeof candidate.errno === "number" || typeof candidate.code === "string") {
      return {
        errno: typeof candidate.errno === "number" ? candidate.errno : undefined,
        code: typeof candidate.code === "string" ? candidate.code : undefined,
      };
    }
    current = candidate.cause;
  }
  return null;
}

export function isDuplicateEntry(error: unknown): boolean {
  return mysqlErrorOf(error)?.errno === MYSQL_DUPLICATE_ENTRY;
}

export function isRetryableTransactionError(error: unknown): boolean {
  const errno = mysqlErrorOf(error)?.errno;
  return errno === MYSQL_DEADLOCK || errno === MYSQL_LOCK_WAIT_TIMEOUT;
}

/** True when MySQL could not be reached at all: the caller may retry later. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = mysqlErrorOf(error)?.code;
  if (code !== undefined && CONNECTION_ERROR_CODES.has(code)) return true;
  // mysql2 reports a pooled connection that died mid-use without a code.
  return messageChain(error).some((message) => message.includes("connection is in closed state"));
}

function messageChain(error: unknown): string[] {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    messages.push(current.message);
    current = current.cause;
  }
  return messages;
}

/** The retryable 503 a caller gets while MySQL is unreachable or not answering. */
export function databaseUnavailable(cause: unknown): TRPCError {
  return new TRPCError({
    code: "SERVICE_UNAVAILABLE",
    message: "The database is unreachable right now; retry in a few seconds",
    cause,
  });
}

/** Told when a stream's iteration starts and, once, when it ends (done, failed or returned). */
export interface StreamLifetime {
  opened: () => void;
  closed: () => void;
}

/**
 * `iterable` with "MySQL is unreachable" failures thrown as `databaseUnavailable`, for
 * subscriptions: their errors surface while the client iterates, after any middleware has
 * returned. A plain iterator object rather than a generator, so a value costs no extra hop.
 * `lifetime`, if given, hears when iteration starts and ends.
 */
export function withDatabaseErrors<T>(iterable: AsyncIterable<T>, lifetime?: StreamLifetime): AsyncIterable<T> {
  const translate = (error: unknown): never => {
    throw isDatabaseUnavailable(error) ? databaseUnavailable(error) : error;
  };
  return {
    [Symbol.asyncIterator]() {
      const iterator = iterable[Symbol.asyncIterator]();
      if (!lifetime) {
        return {
          next: () => iterator.next().catch(translate),
          return: async (value?: unknown) => (iterator.return ? iterator.return(value).catch(translate) : { done: true, value }),
        } as AsyncIterator<T>;
      }
      let open = true;
      const close = () => {
        if (!open) return;
        open = false;
        lifetime.closed();
      };
      lifetime.opened();
      return {
        next: () =>
          iterator.next().then(
            (result) => {
              if (result.done) close();
              return result;
            },
            (error: unknown) => {
              close();
              return translate(error);
            },
          ),
        return: async (value?: unknown) => {
          close();
          return iterator.return ? iterator.return(value).catch(translate) : { done: true, value };
        },
      } as AsyncIterator<T>;
    },
  };
}

export const notFound = (what: string) => new TRPCError({ code: "NOT_FOUND", message: `${what} not found` });
export const conflict = (message: string) => new TRPCError({ code: "CONFLICT", message });
export const badRequest = (message: string) => new TRPCError({ code: "BAD_REQUEST", message });

/**
 * MySQL errors that refuse a row for what it holds: a foreign key to a row that is gone,
 * a NULL where none is allowed, a value out of range, too long or of the wrong type, a
 * failed CHECK. Sending the same row again can never succeed, unlike a lost connection,
 * a deadlock or a lock wait timeout.
 */
const ROW_REFUSED_ERRNOS = new Set([
  1048, // ER_BAD_NULL_ERROR
  1216, // ER_NO_REFERENCED_ROW
  1452, // ER_NO_REFERENCED_ROW_2
  1264, // ER_WARN_DATA_OUT_OF_RANGE
  1265, // WARN_DATA_TRUNCATED
  1292, // ER_TRUNCATED_WRONG_VALUE
  1366, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
  1367, // ER_ILLEGAL_VALUE_FOR_TYPE
  1406, // ER_DATA_TOO_LONG
  1690, // ER_DATA_OUT_OF_RANGE
  3819, // ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
  4025, // ER_CONSTRAINT_FAILED (MariaDB)
]);

/** True when MySQL refused a statement because of a row's content; see `ROW_REFUSED_ERRNOS`. */
export function isRowRefused(error: unknown): boolean {
  const errno = mysqlErrorOf(error)?.errno;
  return errno !== undefined && ROW_REFUSED_ERRNOS.has(errno);
}

/** The innermost error message, for logs: MySQL's own sentence rather than Drizzle's wrapper. */
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause instanceof Error; depth++) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
