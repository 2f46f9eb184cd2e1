import { retryLink, type TRPCClientError, type TRPCLink, type Operation } from "@trpc/client";
import type { AppRouter } from "@convoy/api";

/**
 * Mutations that may run twice with the same result: tracking points are unique per
 * (driver, recordedAt), read cursors only move forward, and the rest set a state.
 */
const IDEMPOTENT_MUTATIONS = new Set([
  "tracking.report",
  "chat.markRead",
  "chat.typing",
  "offers.markViewed",
  "drivers.setAvailability",
  "trackingLinks.revoke",
]);

/** Attempts for one call, the first included. @default 4 */
const MAX_ATTEMPTS = 4;

function carriesIdempotencyKey(input: unknown): boolean {
  return typeof input === "object" && input !== null && ("clientMessageId" in input || "idempotencyKey" in input);
}

/** No response from the server at all (connection refused or dropped), or the server said "retry". */
export function isTransient(error: TRPCClientError<AppRouter>): boolean {
  return error.data == null || error.data.code === "SERVICE_UNAVAILABLE";
}

/** True when running `op` again cannot do anything twice. */
export function isSafeToRetry(op: Pick<Operation, "type" | "path" | "input">): boolean {
  if (op.type === "query") return true;
  if (op.type === "mutation") return IDEMPOTENT_MUTATIONS.has(op.path) || carriesIdempotencyKey(op.input);
  return false; // Subscriptions reconnect and resume on their own.
}

/**
 * Retries calls that failed in transit (a server restarting, a balancer moving the client)
 * when retrying is safe: queries, and mutations that are idempotent or carry an
 * idempotency key. Anything else fails at once so the caller decides.
 */
export function transientRetryLink(): TRPCLink<AppRouter> {
  return retryLink<AppRouter>({
    retry: ({ op, error, attempts }) => attempts < MAX_ATTEMPTS && isTransient(error) && isSafeToRetry(op),
    retryDelayMs: (attempt) => Math.min(150 * 2 ** attempt, 2_000),
  });
}
