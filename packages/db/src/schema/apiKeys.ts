import { mysqlTable, char, varchar, index } from "drizzle-orm/mysql-core";
import { createdAt, idRef, jsonText, primaryId, utcTime } from "./columns";
import { users } from "./users";

/**
 * What an API key may do, one scope per area and access. Every procedure a key may call
 * names one of these (`@convoy/api`'s procedure scope map); a key never gets more than its
 * dispatcher has.
 */
export const apiKeyScopes = [
  "offers:read",
  "offers:write",
  "trips:read",
  "trips:write",
  "tracking:read",
  "drivers:read",
  "chat:read",
  "chat:write",
  "places:read",
  "places:write",
] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/**
 * A dispatcher's key for another service. The key is `cvk_<id>_<secret>`; only its SHA-256
 * is stored (the secret is 256 random bits, so no salt or slow hash is needed), so the key is
 * shown once, at creation, and never again. Deleting the user deletes their keys.
 */
export const apiKeys = mysqlTable(
  "api_keys",
  {
    id: primaryId(),
    /** The dispatcher who made it; the key acts as them. */
    userId: idRef("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 80 }).notNull(),
    scopes: jsonText<ApiKeyScope[]>("scopes").notNull(),
    /** SHA-256 (hex) of the whole key. */
    secretHash: char("secret_hash", { length: 64 }).notNull(),
    createdAt: createdAt(),
    /** Null: never expires. */
    expiresAt: utcTime("expires_at"),
    /** The last call made with it, written at most once a minute per key and instance. */
    lastUsedAt: utcTime("last_used_at"),
    revokedAt: utcTime("revoked_at"),
  },
  (t) => [index("api_keys_user_idx").on(t.userId)],
);
