import { TRPCError } from "@trpc/server";
import { and, desc, eq, lt, messages, sql, type Database, type Message, type MessageKind } from "@convoy/db";
import type { Emit } from "../events/commit";
import { sqlInsertHead, sqlNumber, sqlString, sqlUtcDatetime } from "../lib/sqlLiterals";
import type { Tx } from "../lib/transaction";
import type { ChatUser, Thread } from "./access";

/** A message as clients see it. Bodies are plain text; clients render them as text. */
export interface ChatMessage {
  id: number;
  offerId: number;
  driverId: number;
  senderId: number | null;
  kind: MessageKind;
  body: string;
  clientMessageId: string | null;
  createdAt: string;
}

export function toChatMessage(row: Message): ChatMessage {
  return {
    id: row.id,
    offerId: row.offerId,
    driverId: row.driverId,
    senderId: row.senderId,
    kind: row.kind,
    body: row.body,
    clientMessageId: row.clientMessageId,
    createdAt: row.createdAt.toISOString(),
  };
}

export function messageEvent(thread: Thread, message: ChatMessage) {
  return {
    stream: "chat" as const,
    type: "message",
    offerId: thread.offerId,
    dispatcherId: thread.dispatcherId,
    driverId: thread.driverId,
    payload: { message },
  };
}

/** A message to store: its thread, who sent it (null for offer activity), what, and the sender's key. */
export interface NewMessage {
  thread: Thread;
  senderId: number | null;
  kind: MessageKind;
  body: string;
  clientMessageId: string | null;
}

const INSERT_MESSAGES_HEAD = sqlInsertHead(messages, [
  messages.offerId,
  messages.driverId,
  messages.senderId,
  messages.kind,
  messages.body,
  messages.clientMessageId,
  messages.createdAt,
]);

/**
 * Inserts messages and their events inside the caller's transaction, in one INSERT of
 * literals (see `sqlLiterals.ts`), and returns them as stored. The rows of one INSERT get
 * consecutive ids (see `appendEvents`), so no row is read back.
 */
export async function insertMessages(tx: Tx, emit: Emit, batch: readonly NewMessage[]): Promise<ChatMessage[]> {
  if (batch.length === 0) return [];
  const createdAtMs = Date.now();
  const createdAtSql = sqlUtcDatetime(createdAtMs);
  const rows = batch.map(
    (message) =>
      `(${sqlNumber(message.thread.offerId)},${sqlNumber(message.thread.driverId)},${sqlNumber(message.senderId)},${sqlString(message.kind)},` +
      `${sqlString(message.body)},${message.clientMessageId === null ? "NULL" : sqlString(message.clientMessageId)},${createdAtSql})`,
  );
  const [result] = (await tx.execute(sql.raw(INSERT_MESSAGES_HEAD + rows.join(",")))) as unknown as [
    { insertId: number | string; affectedRows: number },
  ];
  const firstId = Number(result.insertId);
  if (!Number.isSafeInteger(firstId) || firstId < 1 || result.affectedRows !== batch.length) {
    throw new Error(`inserting ${batch.length} messages returned insertId ${result.insertId} for ${result.affectedRows} rows`);
  }
  const createdAt = new Date(createdAtMs).toISOString();
  return batch.map((message, index) => {
    const stored: ChatMessage = {
      id: firstId + index,
      offerId: message.thread.offerId,
      driverId: message.thread.driverId,
      senderId: message.senderId,
      kind: message.kind,
      body: message.body,
      clientMessageId: message.clientMessageId,
      createdAt,
    };
    emit(messageEvent(message.thread, stored));
    return stored;
  });
}

export async function findByClientId(db: Database, senderId: number, clientMessageId: string) {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.senderId, senderId), eq(messages.clientMessageId, clientMessageId)))
    .limit(1);
  return row;
}

export function sameThreadOrConflict(row: Message, thread: Thread): ChatMessage {
  if (row.offerId !== thread.offerId || row.driverId !== thread.driverId) {
    throw new TRPCError({ code: "CONFLICT", message: "This clientMessageId was already used for another thread" });
  }
  return toChatMessage(row);
}

/**
 * The message an earlier attempt of this send stored, if any: the same sender,
 * `clientMessageId` and thread. It needs no access check (the sender wrote it); `chat.send`
 * asks it when a budget refuses the send, so a retry of a stored message is answered even
 * then. A key used on another thread is left to `MessageWriter`, which refuses it.
 */
export async function findSentMessage(
  db: Database,
  sender: ChatUser,
  input: { offerId: number; driverId?: number | undefined; clientMessageId: string },
): Promise<ChatMessage | null> {
  const row = await findByClientId(db, sender.id, input.clientMessageId);
  const driverId = input.driverId ?? (sender.role === "driver" ? sender.id : undefined);
  return row && row.offerId === input.offerId && row.driverId === driverId ? toChatMessage(row) : null;
}

/** One page of a thread, newest first. `before` is the id cursor from the previous page. */
export async function threadHistory(
  db: Database,
  thread: Thread,
  page: { before?: number | undefined; limit: number },
): Promise<{ messages: ChatMessage[]; nextCursor: number | null }> {
  const rows = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.offerId, thread.offerId),
        eq(messages.driverId, thread.driverId),
        page.before === undefined ? undefined : lt(messages.id, page.before),
      ),
    )
    .orderBy(desc(messages.id))
    .limit(page.limit + 1);
  const hasMore = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit);
  return {
    messages: pageRows.map(toChatMessage),
    nextCursor: hasMore ? (pageRows[pageRows.length - 1]?.id ?? null) : null,
  };
}
