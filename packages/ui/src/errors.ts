import { isTRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import type { Role } from "./trpc";

const UNREACHABLE = "Can't reach the Convoy server. Check your connection and try again.";

/** The tRPC error code of `error`, or null for network failures and non-tRPC errors. */
export function errorCode(error: unknown): string | null {
  return isTRPCClientError<AppRouter>(error) ? (error.data?.code ?? null) : null;
}

export function isUnauthorized(error: unknown): boolean {
  return errorCode(error) === "UNAUTHORIZED";
}

/**
 * A sentence a person can act on. The server already words its errors for people; a tRPC
 * error without a code never reached it (fetch failed, or a proxy answered with HTML).
 */
export function errorMessage(error: unknown): string {
  if (isTRPCClientError(error)) return errorCode(error) ? error.message : UNREACHABLE;
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong; try again.";
}

const ROLE_PLURALS: Record<Role, string> = { dispatcher: "dispatchers", driver: "drivers", rider: "riders" };

/** Why a valid account was turned away by an app meant for another role. */
export function wrongRoleMessage(required: Role, actual: Role): string {
  return `This app is for ${ROLE_PLURALS[required]}; you signed in as a ${actual}.`;
}
