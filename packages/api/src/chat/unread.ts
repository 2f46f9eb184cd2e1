import { sql, type Database } from "@convoy/db";
import type { ChatUser } from "./access";

/** Unread messages in the caller's threads: the total and each offer's share of it. */
export interface UnreadCounts {
  /** The nav badge. */
  unread: number;
  /** Offers with unread messages, newest offer first; their `unread`s add up to the total. */
  byOffer: { offerId: number; unread: number }[];
}

/**
 * Messages from the other party (and system messages) after the caller's read cursor, in
 * every thread the caller is in, counted per offer by one statement, so the badge and the
 * per-offer marks are the same snapshot and always agree.
 */
export async function unreadCounts(db: Database, user: ChatUser): Promise<UnreadCounts> {
  const threadFilter = user.role === "dispatcher" ? sql`o.created_by = ${user.id}` : sql`m.driver_id = ${user.id}`;
  const [rows] = (await db.execute(sql`
    SELECT m.offer_id AS offerId, COUNT(*) AS unread
    FROM messages m
    JOIN offers o ON o.id = m.offer_id
    LEFT JOIN chat_reads r ON r.user_id = ${user.id} AND r.offer_id = m.offer_id AND r.driver_id = m.driver_id
    WHERE ${threadFilter}
      AND (m.sender_id IS NULL OR m.sender_id <> ${user.id})
      AND m.id > COALESCE(r.last_read_message_id, 0)
    GROUP BY m.offer_id
    ORDER BY m.offer_id DESC
  `)) as unknown as [{ offerId: number; unread: number | string }[]];
  const byOffer = rows.map((row) => ({ offerId: row.offerId, unread: Number(row.unread) }));
  return { unread: byOffer.reduce((sum, offer) => sum + offer.unread, 0), byOffer };
}
