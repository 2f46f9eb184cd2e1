import { TRPCError } from "@trpc/server";
import { and, desc, eq, lt, messages, type Database, type Message, type MessageKind } from "@convoy/db";
import type { Emit } from "../events/commit";
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

/** Inserts a message and its event inside the caller's transaction. */
export async function insertMessage(
  tx: Tx,
  emit: Emit,
  thread: Thread,
  message: { senderId: number | null; kind: MessageKind; body: string; clientMessageId: string | null },
): Promise<ChatMessage> {
  const createdAt = new Date();
  const [result] = await tx.insert(messages).values({ offerId: thread.offerId, driverId: thread.driverId, ...message, createdAt });
  const stored: ChatMessage = {
    id: result.insertId,
    offerId: thread.offerId,
    driverId: thread.driverId,
    ...message,
    createdAt: createdAt.toISOString(),
  };
  emit(messageEvent(thread, stored));
  return stored;
}

/**
 * Offer activity shown in the thread ("countered at $X", "accepted", "offer expired").
 * Runs in the offer change's own transaction so the two never disagree.
 */
export function postSystemMessage(tx: Tx, emit: Emit, thread: Thread, kind: Exclude<MessageKind, "text">, body: string): Promise<ChatMessage> {
  return insertMessage(tx, emit, thread, { senderId: null, kind, body, clientMessageId: null });
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
