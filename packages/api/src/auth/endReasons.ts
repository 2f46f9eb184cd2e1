import type { SessionEndReason } from "@convoy/db";

/**
 * One sentence per way a session ends, for error messages and the apps' login screen.
 * Browser-safe (exported from `@convoy/api/schemas`).
 */
export const SESSION_END_MESSAGES: Record<SessionEndReason, string> = {
  logged_out: "You signed out; sign in again",
  logged_out_everywhere: "You were signed out on every device; sign in again",
  refresh_reused: "Your session was ended because its sign-in was used from two places; sign in again",
  password_changed: "Your password was changed; sign in again with the new one",
  user_disabled: "This account has been disabled",
  user_deleted: "This account no longer exists",
  expired: "Your session has expired; sign in again",
  key_revoked: "This API key has been revoked",
};

/** The sentence for `reason`, or a generic one for a reason this build does not know. */
export function sessionEndedMessage(reason: string | null | undefined): string {
  return (reason && SESSION_END_MESSAGES[reason as SessionEndReason]) || "Your session has ended; sign in again";
}
