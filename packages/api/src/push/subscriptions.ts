import { createHash } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { and, asc, count, eq, inArray, pushSubscriptions, sessions, users, type Database } from "@convoy/db";
import { withTransaction } from "../lib/transaction";

/** A browser's subscription as `PushSubscription.toJSON()` gives it, validated (see `pushSubscriptionSchema`). */
export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A stored subscription, ready to send to. */
export interface StoredPushSubscription extends BrowserSubscription {
  id: number;
  userId: number;
}

/** How many subscriptions one session, and one user over all their sessions, may hold. */
export interface PushSubscriptionLimits {
  /** @default 3 (a browser has one per app; a few for reinstalls) */
  perSession: number;
  /** @default 10 */
  perUser: number;
}

export const DEFAULT_PUSH_SUBSCRIPTION_LIMITS: PushSubscriptionLimits = { perSession: 3, perUser: 10 };

function endpointHash(endpoint: string): string {
  return createHash("sha256").update(endpoint).digest("hex");
}

/**
 * Stores `subscription` for the session. Saving an endpoint already stored moves it to this
 * session (the same browser signed in again, perhaps as someone else, with the same keys; for
 * another user with other keys it is refused) and renews its keys.
 * Over the per-session limit, the session's oldest subscription makes room (the browser
 * replaced its subscription); over the per-user limit the call is refused. One transaction,
 * with the user's subscriptions locked, so two concurrent saves cannot both pass the limit.
 */
export async function saveSubscription(
  db: Database,
  owner: { sessionId: number; userId: number },
  subscription: BrowserSubscription,
  limits: PushSubscriptionLimits,
): Promise<void> {
  const hash = endpointHash(subscription.endpoint);
  await withTransaction(db, async (tx) => {
    // Serializes the user's saves, so two at once cannot both pass the limits.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, owner.userId)).for("update");
    const [existing] = await tx
      .select({ userId: pushSubscriptions.userId, p256dh: pushSubscriptions.p256dh, auth: pushSubscriptions.auth })
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.endpointHash, hash));
    // The browser that holds an endpoint sends the same keys with it; someone who only learnt
    // the URL cannot take another user's device over.
    const sameKeys = existing?.p256dh === subscription.keys.p256dh && existing.auth === subscription.keys.auth;
    if (existing && existing.userId !== owner.userId && !sameKeys) {
      throw new TRPCError({
        code: "CONFLICT",
        message: "This endpoint is registered to another browser subscription; subscribe again in the browser",
      });
    }
    if (!existing) {
      const own = await tx
        .select({ id: pushSubscriptions.id })
        .from(pushSubscriptions)
        .where(eq(pushSubscriptions.sessionId, owner.sessionId))
        .orderBy(asc(pushSubscriptions.id));
      const surplus = own.slice(0, Math.max(0, own.length - limits.perSession + 1));
      if (surplus.length > 0) {
        await tx.delete(pushSubscriptions).where(
          inArray(
            pushSubscriptions.id,
            surplus.map((row) => row.id),
          ),
        );
      }
      const [held] = await tx.select({ n: count() }).from(pushSubscriptions).where(eq(pushSubscriptions.userId, owner.userId));
      if ((held?.n ?? 0) >= limits.perUser) {
        throw new TRPCError({
          code: "TOO_MANY_REQUESTS",
          message: `Notifications are on for you on ${limits.perUser} devices already; turn them off on one, or sign out there`,
        });
      }
    }
    const values = {
      sessionId: owner.sessionId,
      userId: owner.userId,
      endpoint: subscription.endpoint,
      p256dh: subscription.keys.p256dh,
      auth: subscription.keys.auth,
    };
    await tx
      .insert(pushSubscriptions)
      .values({ ...values, endpointHash: hash })
      .onDuplicateKeyUpdate({ set: values });
  });
}

/** Removes the session's subscription for `endpoint`; true when there was one. Another session's is left alone. */
export async function removeSubscription(db: Database, sessionId: number, endpoint: string): Promise<boolean> {
  const [result] = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.endpointHash, endpointHash(endpoint)), eq(pushSubscriptions.sessionId, sessionId)));
  return result.affectedRows > 0;
}

/** Removes one subscription by id: the push service said it is gone. */
export async function removeSubscriptionById(db: Database, id: number): Promise<void> {
  await db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
}

/**
 * The subscriptions of `userIds` whose sessions still stand (not revoked, not expired, the
 * user not disabled). Subscriptions of sessions that ended without a revoke (expiry, a
 * disabled account) are deleted on the way, so they do not outlive their session by more
 * than one notification.
 */
export async function liveSubscriptionsOf(db: Database, userIds: readonly number[]): Promise<StoredPushSubscription[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .select({
      id: pushSubscriptions.id,
      userId: pushSubscriptions.userId,
      endpoint: pushSubscriptions.endpoint,
      p256dh: pushSubscriptions.p256dh,
      auth: pushSubscriptions.auth,
      revokedAt: sessions.revokedAt,
      expiresAt: sessions.expiresAt,
      disabledAt: users.disabledAt,
    })
    .from(pushSubscriptions)
    .innerJoin(sessions, eq(sessions.id, pushSubscriptions.sessionId))
    .innerJoin(users, eq(users.id, pushSubscriptions.userId))
    .where(inArray(pushSubscriptions.userId, [...userIds]));
  const now = Date.now();
  const live: StoredPushSubscription[] = [];
  const ended: number[] = [];
  for (const row of rows) {
    if (row.revokedAt || row.disabledAt || row.expiresAt.getTime() <= now) ended.push(row.id);
    else live.push({ id: row.id, userId: row.userId, endpoint: row.endpoint, keys: { p256dh: row.p256dh, auth: row.auth } });
  }
  if (ended.length > 0) await db.delete(pushSubscriptions).where(inArray(pushSubscriptions.id, ended));
  return live;
}
