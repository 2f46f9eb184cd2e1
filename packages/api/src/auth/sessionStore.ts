import { createHash, randomBytes } from "node:crypto";
import { getTableName, type Column } from "drizzle-orm";
import {
  and,
  eq,
  inArray,
  isNull,
  ne,
  pushSubscriptions,
  sessions,
  users,
  type Database,
  type SessionEndReason,
  type SQL,
  type UserRole,
} from "@convoy/db";
import { affectedRows } from "../lib/affectedRows";
import { selectRows, utcDatetimeOf } from "../lib/rawStatements";
import { sqlNumber } from "../lib/sqlLiterals";
import type { PublicUser } from "./login";

/**
 * The `sessions` table's operations. A refresh token names its session and carries 32
 * random bytes and the server's MAC (`TokenService.mintRefresh`); only its SHA-256 is
 * stored, so a leaked table yields no usable refresh token.
 */

/** A session's standing as MySQL sees it: live, or ended with a reason. */
export interface StoredSessionState {
  userId: number;
  role: UserRole;
  /** The account as `auth.me` shows it, refreshed by every re-check. */
  user: PublicUser;
  /** The session's absolute end, epoch ms. */
  expiresAt: number;
  ended: SessionEndReason | null;
}

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Mints and recognizes refresh tokens (`TokenService` does, with the server's secret). */
export interface RefreshTokenMinter {
  mintRefresh: (sessionId: number) => string;
  refreshSessionOf: (refreshToken: string) => number | null;
}

/** Creates a session for `userId` lasting `ttlSeconds`; returns its id and first refresh token. */
export async function createSession(
  db: Database,
  minter: RefreshTokenMinter,
  userId: number,
  ttlSeconds: number,
): Promise<{ sessionId: number; refreshToken: string; expiresAt: number }> {
  const now = Date.now();
  const expiresAt = now + ttlSeconds * 1000;
  // The token names its session, so the row comes first, with a hash no token has.
  const [result] = await db.insert(sessions).values({
    userId,
    refreshHash: hashRefreshToken(randomBytes(32).toString("base64url")),
    refreshedAt: new Date(now),
    expiresAt: new Date(expiresAt),
  });
  const sessionId = result.insertId;
  const refreshToken = minter.mintRefresh(sessionId);
  await db
    .update(sessions)
    .set({ refreshHash: hashRefreshToken(refreshToken) })
    .where(eq(sessions.id, sessionId));
  return { sessionId, refreshToken, expiresAt };
}

/** Why a row no longer stands, or null when it does. */
function endReasonOf(row: Pick<StateRow, "revokedAt" | "revokeReason" | "expiresAt" | "disabledAt">, now: number): SessionEndReason | null {
  if (row.revokedAt) return row.revokeReason ?? "logged_out";
  if (row.disabledAt) return "user_disabled";
  if (row.expiresAt.getTime() <= now) return "expired";
  return null;
}

const stateColumns = {
  id: sessions.id,
  userId: sessions.userId,
  role: users.role,
  expiresAt: sessions.expiresAt,
  revokedAt: sessions.revokedAt,
  revokeReason: sessions.revokeReason,
  disabledAt: users.disabledAt,
  name: users.name,
  email: users.email,
  phone: users.phone,
};

interface StateRow {
  userId: number;
  role: UserRole;
  name: string;
  email: string;
  phone: string;
  expiresAt: Date;
  revokedAt: Date | null;
  revokeReason: SessionEndReason | null;
  disabledAt: Date | null;
}

function stateOf(row: StateRow, now: number): StoredSessionState {
  return {
    userId: row.userId,
    role: row.role,
    user: { id: row.userId, role: row.role, name: row.name, email: row.email, phone: row.phone },
    expiresAt: row.expiresAt.getTime(),
    ended: endReasonOf(row, now),
  };
}

/** The tail of a literal statement about sessions by id, aliased `s` with their user `u`: the ids and `)` follow. */
const HELD_SESSIONS =
  ` FROM \`${getTableName(sessions)}\` s INNER JOIN \`${getTableName(users)}\` u ON u.\`${users.id.name}\` = s.\`${sessions.userId.name}\`` +
  ` WHERE s.\`${sessions.id.name}\` IN (`;

/** `stateColumns` as a raw statement returns them: DATETIME as text. */
interface RawStateRow {
  id: number | string;
  userId: number | string;
  role: UserRole;
  name: string;
  email: string;
  phone: string;
  expiresAt: string;
  revokedAt: string | null;
  revokeReason: SessionEndReason | null;
  disabledAt: string | null;
}

const STATES_HEAD =
  "SELECT " +
  (
    [
      ["s", sessions.id, "id"],
      ["s", sessions.userId, "userId"],
      ["u", users.role, "role"],
      ["s", sessions.expiresAt, "expiresAt"],
      ["s", sessions.revokedAt, "revokedAt"],
      ["s", sessions.revokeReason, "revokeReason"],
      ["u", users.disabledAt, "disabledAt"],
      ["u", users.name, "name"],
      ["u", users.email, "email"],
      ["u", users.phone, "phone"],
    ] satisfies [string, Column, keyof RawStateRow][]
  )
    .map(([alias, column, key]) => `${alias}.\`${column.name}\` AS \`${key}\``)
    .join(", ") +
  HELD_SESSIONS;

function stateRowOf(row: RawStateRow): StateRow {
  return {
    userId: Number(row.userId),
    role: row.role,
    name: row.name,
    email: row.email,
    phone: row.phone,
    expiresAt: utcDatetimeOf(row.expiresAt),
    revokedAt: row.revokedAt === null ? null : utcDatetimeOf(row.revokedAt),
    revokeReason: row.revokeReason,
    disabledAt: row.disabledAt === null ? null : utcDatetimeOf(row.disabledAt),
  };
}

/**
 * The standing of each session in `ids`, in one query. A session missing from the table is
 * reported as `user_deleted`: rows are only removed with their user.
 */
export async function readSessionStates(db: Database, ids: readonly number[]): Promise<Map<number, StoredSessionState | "missing">> {
  const states = new Map<number, StoredSessionState | "missing">();
  if (ids.length === 0) return states;
  // Literals and no Drizzle row mapping: the re-check reads every held session this way
  // every 30 s, thousands of rows in one turn of the event loop.
  const rows = await selectRows<RawStateRow>(db, `${STATES_HEAD}${ids.map(sqlNumber).join(",")})`);
  const now = Date.now();
  for (const id of ids) states.set(id, "missing");
  for (const row of rows) {
    states.set(Number(row.id), stateOf(stateRowOf(row), now));
  }
  return states;
}

const STANDING_HEAD =
  `SELECT COUNT(*) AS present, COALESCE(SUM(s.\`${sessions.revokedAt.name}\` IS NOT NULL OR u.\`${users.disabledAt.name}\` IS NOT NULL), 0) AS ended` +
  HELD_SESSIONS;

/**
 * Whether every session in `ids` still stands as far as MySQL knows: none revoked, none of a
 * disabled user, none gone with its user. One row comes back however many ids are asked
 * about, so the periodic re-check of thousands of held sessions costs one small query per
 * chunk, not a mapped row per session; expiry needs no query (the caller knows each end).
 */
export async function allSessionsStand(db: Database, ids: readonly number[]): Promise<boolean> {
  if (ids.length === 0) return true;
  // Literals, not bound parameters: a chunk of 1,000 ids as parameters is 1,000 Drizzle
  // chunks and placeholders to build every second, a few % of a busy server's CPU.
  const [row] = await selectRows<{ present: number | string; ended: number | string }>(db, `${STANDING_HEAD}${ids.map(sqlNumber).join(",")})`);
  return Number(row?.present) === ids.length && Number(row?.ended) === 0;
}

/**
 * Marks the matching live sessions ended and deletes their push subscriptions (nothing is
 * sent to a device after its sign-in ends); returns the ids it ended.
 */
export async function revokeSessions(db: Database, where: SQL, reason: SessionEndReason): Promise<number[]> {
  const live = and(where, isNull(sessions.revokedAt));
  const rows = await db.select({ id: sessions.id }).from(sessions).where(live);
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokeReason: reason })
    .where(and(inArray(sessions.id, ids), isNull(sessions.revokedAt)));
  await db.delete(pushSubscriptions).where(inArray(pushSubscriptions.sessionId, ids));
  return ids;
}

/** The filter for "every session of `userId`", optionally sparing one. */
export function sessionsOfUser(userId: number, except?: number): SQL {
  const own = eq(sessions.userId, userId);
  return except === undefined ? own : (and(own, ne(sessions.id, except)) as SQL);
}

export type RefreshOutcome =
  | { kind: "rotated"; sessionId: number; state: StoredSessionState; refreshToken: string }
  /** An already rotated token came back: someone holds a copy. The session is to be ended. */
  | { kind: "reused"; sessionId: number; userId: number }
  /** The previous token, within the grace after its rotation: two tabs raced; not theft. */
  | { kind: "raced" }
  | { kind: "ended"; reason: SessionEndReason }
  | { kind: "unknown" };

/**
 * Swaps `refreshToken` for a new one. Exactly one caller can rotate a given token (the
 * UPDATE matches on the current hash). Any earlier token of the session that comes back is
 * reuse and ends the session (someone kept a copy), except the one just replaced within
 * `raceGraceMs` of its rotation: most likely a second tab that lost the race and whose
 * cookie already holds the new token. A token the server did not mint is unknown, and ends
 * nothing, so naming someone's session in a made-up token cannot sign them out.
 */
export async function rotateRefreshToken(
  db: Database,
  minter: RefreshTokenMinter,
  refreshToken: string,
  raceGraceMs: number,
): Promise<RefreshOutcome> {
  const sessionId = minter.refreshSessionOf(refreshToken);
  if (sessionId === null) return { kind: "unknown" };
  const hash = hashRefreshToken(refreshToken);
  const [row] = await db
    .select({
      ...stateColumns,
      refreshHash: sessions.refreshHash,
      previousRefreshHash: sessions.previousRefreshHash,
      refreshedAt: sessions.refreshedAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sessionId))
    .limit(1);
  if (!row) return { kind: "unknown" };
  const now = Date.now();
  const ended = endReasonOf(row, now);
  if (ended) return { kind: "ended", reason: ended };
  if (row.refreshHash !== hash) {
    const justReplaced = row.previousRefreshHash === hash && now - row.refreshedAt.getTime() < raceGraceMs;
    return justReplaced ? { kind: "raced" } : { kind: "reused", sessionId: row.id, userId: row.userId };
  }
  const next = minter.mintRefresh(row.id);
  const result = await db
    .update(sessions)
    .set({ refreshHash: hashRefreshToken(next), previousRefreshHash: hash, refreshedAt: new Date(now) })
    .where(and(eq(sessions.id, row.id), eq(sessions.refreshHash, hash), isNull(sessions.revokedAt)));
  if (affectedRows(result) !== 1) return { kind: "raced" };
  return { kind: "rotated", sessionId: row.id, state: stateOf(row, now), refreshToken: next };
}
