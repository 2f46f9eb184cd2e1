import { TRPCError } from "@trpc/server";

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

export const notFound = (what: string) => new TRPCError({ code: "NOT_FOUND", message: `${what} not found` });
export const conflict = (message: string) => new TRPCError({ code: "CONFLICT", message });
export const badRequest = (message: string) => new TRPCError({ code: "BAD_REQUEST", message });
