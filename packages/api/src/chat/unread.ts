import { sql, type Database } from "@convoy/db";
import type { ChatUser } from "./access";

/**
 * Messages from the other party (and system messages) after the caller's read cursor,
 * summed over every thread the caller is in: the nav badge.
 */
export async function totalUnread(db: Database, user: ChatUser): Promise<number> {
  const threadFilter = user.role === "dispatcher" ? sql`o.created_by = ${user.id}` : sql`m.driver_id = ${user.id}`;
  const [rows] = (await db.execute(sql`
    SELECT COUNT(*) AS unread
    FROM messages m
    JOIN offers o ON o.id = m.offer_id
    LEFT JOIN chat_reads r ON r.user_id = ${user.id} AND r.offer_id = m.offer_id AND r.driver_id = m.driver_id
    WHERE ${threadFilter}
      AND (m.sender_id IS NULL OR m.sender_id <> ${user.id})
      AND m.id > COALESCE(r.last_read_message_id, 0)
  `)) as unknown as [{ unread: number | string }[]];
  return Number(rows[0]?.unread ?? 0);
}
