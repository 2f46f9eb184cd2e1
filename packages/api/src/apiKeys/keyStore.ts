import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { TRPCError } from "@trpc/server";
import {
  and,
  apiKeys,
  desc,
  eq,
  inArray,
  isNull,
  sql,
  users,
  type ApiKeyScope,
  type Database,
  type SessionEndReason,
  type UserRole,
} from "@convoy/db";
import { affectedRows } from "../lib/affectedRows";
import { notFound } from "../lib/errors";
import { withTransaction } from "../lib/transaction";
import type { PublicUser } from "../auth/login";
import { MAX_ACTIVE_API_KEYS, type CreateApiKeyInput } from "./schemas";

/**
 * The `api_keys` table's operations. A key is `cvk_<id>_<secret>`: the id finds the row by
 * primary key, the secret is 32 random bytes (base64url, 43 characters) of which only the
 * SHA-256 is stored and compared in constant time. 256 random bits need no salt or slow
 * hash: nobody can guess one from its hash.
 */

export const API_KEY_PREFIX = "cvk_";
const KEY_PATTERN = /^cvk_([1-9][0-9]{0,15})_([A-Za-z0-9_-]{43})$/;

/** The id and secret of a string shaped like a key, or null. */
export function parseApiKey(key: string): { id: number; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? { id, secret: match[2]! } : null;
}

function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

/** Whether `secret` is the one whose hash (hex) is stored, compared in constant time. */
export function secretMatches(secret: string, storedHex: string): boolean {
  const stored = Buffer.from(storedHex, "hex");
  const given = hashSecret(secret);
  return stored.length === given.length && timingSafeEqual(stored, given);
}

/** How a key is shown once it can no longer be: its id, never its secret. */
export const keyHint = (id: number) => `${API_KEY_PREFIX}${id}_…`;

/** A key as its dispatcher's list shows it. Times are epoch ms, null when not (yet) so. */
export interface ApiKeyView {
  id: number;
  name: string;
  scopes: ApiKeyScope[];
  /** `cvk_<id>_…`: enough to tell keys apart, nothing to call with. */
  hint: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

type KeyRow = typeof apiKeys.$inferSelect;

function toView(row: KeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    hint: keyHint(row.id),
    createdAt: row.createdAt.getTime(),
    expiresAt: row.expiresAt?.getTime() ?? null,
    lastUsedAt: row.lastUsedAt?.getTime() ?? null,
    revokedAt: row.revokedAt?.getTime() ?? null,
  };
}

/**
 * Makes a key for dispatcher `userId`; returns it with the whole key, which exists nowhere
 * else afterwards. CONFLICT past `MAX_ACTIVE_API_KEYS` unrevoked, unexpired keys: the
 * dispatcher's row is locked while counting, so concurrent creations cannot overshoot.
 */
export async function createApiKey(db: Database, userId: number, input: CreateApiKeyInput): Promise<ApiKeyView & { key: string }> {
  const secret = randomBytes(32).toString("base64url");
  const now = Date.now();
  const expiresAt = input.expiresInDays === undefined ? null : new Date(now + input.expiresInDays * 86_400_000);
  const id = await withTransaction(db, async (tx) => {
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
    const [active] = await tx
      .select({ count: sql<number>`COUNT(*)` })
      .from(apiKeys)
      .where(
        and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt), sql`(${apiKeys.expiresAt} IS NULL OR ${apiKeys.expiresAt} > UTC_TIMESTAMP(3))`),
      );
    if (Number(active?.count) >= MAX_ACTIVE_API_KEYS) {
      throw new TRPCError({ code: "CONFLICT", message: `You have ${MAX_ACTIVE_API_KEYS} active API keys, the most allowed; revoke one first` });
    }
    const [result] = await tx.insert(apiKeys).values({
      userId,
      name: input.name,
      scopes: [...input.scopes].sort(),
      secretHash: hashSecret(secret).toString("hex"),
      expiresAt,
    });
    return result.insertId;
  });
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  return { ...toView(row!), key: `${API_KEY_PREFIX}${id}_${secret}` };
}

/** Most keys `apiKeys.list` returns, newest first. */
export const API_KEY_LIST_LIMIT = 200;

/** Dispatcher `userId`'s keys, revoked ones included, newest first; no secrets or hashes. */
export async function listApiKeys(db: Database, userId: number): Promise<ApiKeyView[]> {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.id)).limit(API_KEY_LIST_LIMIT);
  return rows.map(toView);
}

/**
 * Revokes dispatcher `userId`'s key `keyId`; returns it and whether this call revoked it
 * (false: it already was). NOT_FOUND for a key of someone else's, as for one that never was.
 */
export async function revokeApiKey(db: Database, userId: number, keyId: number): Promise<{ key: ApiKeyView; revokedNow: boolean }> {
  const own = and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId));
  const result = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(own, isNull(apiKeys.revokedAt)));
  const [row] = await db.select().from(apiKeys).where(own);
  if (!row) throw notFound("API key");
  return { key: toView(row), revokedNow: affectedRows(result) === 1 };
}

/** A key's standing as MySQL sees it, with its dispatcher's account. */
export interface StoredKeyState {
  userId: number;
  role: UserRole;
  user: PublicUser;
  scopes: ApiKeyScope[];
  secretHash: string;
  createdAt: number;
  /** Epoch ms; Infinity when the key never expires. */
  expiresAt: number;
  ended: SessionEndReason | null;
}

/** The standing of each key in `ids`, in one query; a key gone from the table (with its user) is absent. */
export async function readKeyStates(db: Database, ids: readonly number[]): Promise<Map<number, StoredKeyState>> {
  const states = new Map<number, StoredKeyState>();
  if (ids.length === 0) return states;
  const rows = await db
    .select({
      id: apiKeys.id,
      userId: apiKeys.userId,
      scopes: apiKeys.scopes,
      secretHash: apiKeys.secretHash,
      createdAt: apiKeys.createdAt,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      role: users.role,
      name: users.name,
      email: users.email,
      phone: users.phone,
      disabledAt: users.disabledAt,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(inArray(apiKeys.id, [...ids]));
  const now = Date.now();
  for (const row of rows) {
    const expiresAt = row.expiresAt?.getTime() ?? Infinity;
    states.set(row.id, {
      userId: row.userId,
      role: row.role,
      user: { id: row.userId, role: row.role, name: row.name, email: row.email, phone: row.phone },
      scopes: row.scopes,
      secretHash: row.secretHash,
      createdAt: row.createdAt.getTime(),
      expiresAt,
      ended: row.revokedAt ? "key_revoked" : row.disabledAt ? "user_disabled" : expiresAt <= now ? "expired" : null,
    });
  }
  return states;
}

/**
 * Whether every key in `ids` still stands: none revoked, expired, of a disabled user or gone
 * with its user. One row comes back however many keys are asked about.
 */
export async function allKeysStand(db: Database, ids: readonly number[]): Promise<boolean> {
  if (ids.length === 0) return true;
  const [row] = await db
    .select({
      present: sql<number>`COUNT(*)`,
      ended: sql<number>`COALESCE(SUM(${apiKeys.revokedAt} IS NOT NULL OR ${users.disabledAt} IS NOT NULL OR ${apiKeys.expiresAt} <= UTC_TIMESTAMP(3)), 0)`,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(inArray(apiKeys.id, [...ids]));
  return Number(row?.present) === ids.length && Number(row?.ended) === 0;
}

/** Records that key `id` was used at `at` (epoch ms), never moving the stamp back. */
export async function writeLastUsed(db: Database, id: number, at: number): Promise<void> {
  const stamp = new Date(at);
  await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`GREATEST(COALESCE(${apiKeys.lastUsedAt}, ${stamp}), ${stamp})` })
    .where(eq(apiKeys.id, id));
}
