import { mysqlTable, char, varchar, index } from "drizzle-orm/mysql-core";
import { createdAt, idRef, primaryId } from "./columns";
import { sessions } from "./sessions";
import { users } from "./users";

/**
 * A browser's Web Push subscription, owned by the session that registered it: deleting the
 * session (with its user) deletes it, and ending a session deletes it too (`revokeSessions`),
 * so no notification reaches a device after its sign-in ends. One endpoint belongs to one
 * session at a time (a new sign-in on the same browser takes it over).
 */
export const pushSubscriptions = mysqlTable(
  "push_subscriptions",
  {
    id: primaryId(),
    sessionId: idRef("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    /** The session's user, kept here so sending looks subscriptions up by recipient. */
    userId: idRef("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The push service URL the browser handed out. */
    endpoint: varchar("endpoint", { length: 1024 }).notNull(),
    /** SHA-256 (hex) of `endpoint`: the unique key (the URL itself is too long to index). */
    endpointHash: char("endpoint_hash", { length: 64 }).notNull().unique("push_subscriptions_endpoint_hash_unique"),
    /** The browser's P-256 public key, base64url (65 bytes, 87 characters). */
    p256dh: varchar("p256dh", { length: 100 }).notNull(),
    /** The browser's auth secret, base64url (16 bytes, 22 characters). */
    auth: varchar("auth", { length: 32 }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("push_subscriptions_user_idx").on(t.userId), index("push_subscriptions_session_idx").on(t.sessionId)],
);
