import { mysqlTable, char, varchar, index } from "drizzle-orm/mysql-core";
import { createdAt, idRef, primaryId, utcTime } from "./columns";
import { trips } from "./trips";
import { users } from "./users";

/**
 * A read-only link to one trip's live tracking, for someone without an account (the
 * consignee). The token is never stored: only its SHA-256, so a link is found by the hash of
 * what was presented and a database dump opens nothing. A link stands until `expires_at` or
 * until someone revokes it; rows are kept for the list.
 */
export const trackingLinks = mysqlTable(
  "tracking_links",
  {
    id: primaryId(),
    tripId: idRef("trip_id")
      .notNull()
      .references(() => trips.id),
    /** The dispatcher or rider who made it. */
    createdBy: idRef("created_by")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** SHA-256 (hex) of the token. */
    tokenHash: char("token_hash", { length: 64 }).notNull().unique("tracking_links_token_hash_unique"),
    /** Who it was made for, as the creator wrote it; never shown on the public page. */
    label: varchar("label", { length: 80 }),
    expiresAt: utcTime("expires_at").notNull(),
    revokedAt: utcTime("revoked_at"),
    revokedBy: idRef("revoked_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("tracking_links_trip_idx").on(t.tripId, t.id)],
);
