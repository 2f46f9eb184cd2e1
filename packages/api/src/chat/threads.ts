import { sql, type Database } from "@convoy/db";
import type { ChatMessage } from "./messages";

export interface ThreadSummary {
  offerId: number;
  driverId: number;
  driverName: string;
  driverPhone: string;
  recipientStatus: string;
  lastMessage: ChatMessage | null;
  unread: number;
  /** The other side's read cursor, for read marks. */
  driverReadUpTo: number;
}

interface ThreadRow {
  driverId: number;
  driverName: string;
  driverPhone: string;
  recipientStatus: string;
  unread: number | string;
  driverReadUpTo: number | string | null;
  lastId: number | null;
  lastSenderId: number | null;
  lastKind: ChatMessage["kind"] | null;
  lastBody: string | null;
  lastClientMessageId: string | null;
  lastCreatedAt: Date | string | null;
}

/** One entry per recipient driver of the dispatcher's offer: last message and unread count. */
export async function listThreads(db: Database, dispatcherId: number, offerId: number): Promise<ThreadSummary[]> {
  const [rows] = (await db.execute(sql`
    SELECT
      r.driver_id AS driverId, u.name AS driverName, u.phone AS driverPhone, r.status AS recipientStatus,
      (SELECT COUNT(*) FROM messages m
        WHERE m.offer_id = r.offer_id AND m.driver_id = r.driver_id
          AND (m.sender_id IS NULL OR m.sender_id <> ${dispatcherId})
          AND m.id > COALESCE(mine.last_read_message_id, 0)) AS unread,
      theirs.last_read_message_id AS driverReadUpTo,
      last.id AS lastId, last.sender_id AS lastSenderId, last.kind AS lastKind, last.body AS lastBody,
      last.client_message_id AS lastClientMessageId, last.created_at AS lastCreatedAt
    FROM offer_recipients r
    JOIN offers o ON o.id = r.offer_id AND o.created_by = ${dispatcherId}
    JOIN users u ON u.id = r.driver_id
    LEFT JOIN chat_reads mine ON mine.user_id = ${dispatcherId} AND mine.offer_id = r.offer_id AND mine.driver_id = r.driver_id
    LEFT JOIN chat_reads theirs ON theirs.user_id = r.driver_id AND theirs.offer_id = r.offer_id AND theirs.driver_id = r.driver_id
    LEFT JOIN messages last ON last.id = (
      SELECT MAX(m2.id) FROM messages m2 WHERE m2.offer_id = r.offer_id AND m2.driver_id = r.driver_id)
    WHERE r.offer_id = ${offerId}
    ORDER BY r.driver_id
  `)) as unknown as [ThreadRow[]];
  return rows.map((row) => ({
    offerId,
    driverId: row.driverId,
    driverName: row.driverName,
    driverPhone: row.driverPhone,
    recipientStatus: row.recipientStatus,
    unread: Number(row.unread),
    driverReadUpTo: Number(row.driverReadUpTo ?? 0),
    lastMessage:
      row.lastId === null
        ? null
        : {
            id: row.lastId,
            offerId,
            driverId: row.driverId,
            senderId: row.lastSenderId,
            kind: row.lastKind ?? "text",
            body: row.lastBody ?? "",
            clientMessageId: row.lastClientMessageId,
            createdAt: new Date(row.lastCreatedAt ?? 0).toISOString(),
          },
  }));
}
