import { mysqlTable, char, mysqlEnum, index } from "drizzle-orm/mysql-core";
import { createdAt, idRef, primaryId, utcTime } from "./columns";
import { users } from "./users";

/** Why a session ended; clients show a sentence for each. */
export const sessionEndReasons = [
  "logged_out",
  "logged_out_everywhere",
  "refresh_reused",
  "password_changed",
  "user_disabled",
  "user_deleted",
  "expired",
  /** Only for API keys: their dispatcher revoked the key. */
  "key_revoked",
] as const;
export type SessionEndReason = (typeof sessionEndReasons)[number];

/**
 * One signed-in device. Access tokens name their session (`sid`), and every instance checks
 * it, so ending a session here refuses its tokens everywhere and across restarts.
 *
 * The refresh token is never stored: only its SHA-256, and the previous one's, so a second
 * use of an already rotated token is recognised (and ends the session) rather than merely
 * refused. Deleting the user deletes its sessions.
 */
export const sessions = mysqlTable(
  "sessions",
  {
    id: primaryId(),
    userId: idRef("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** SHA-256 (hex) of the current refresh token. */
    refreshHash: char("refresh_hash", { length: 64 }).notNull().unique("sessions_refresh_hash_unique"),
    /** SHA-256 (hex) of the refresh token it replaced, for the two-tab grace (rows are found by id). */
    previousRefreshHash: char("previous_refresh_hash", { length: 64 }),
    /** When the refresh token was last rotated. */
    refreshedAt: utcTime("refreshed_at").notNull(),
    /** The session's absolute end; refreshing does not move it. */
    expiresAt: utcTime("expires_at").notNull(),
    revokedAt: utcTime("revoked_at"),
    revokeReason: mysqlEnum("revoke_reason", sessionEndReasons),
    createdAt: createdAt(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);
