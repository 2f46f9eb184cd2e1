import { TRPCError } from "@trpc/server";
import { and, chatReads, eq, messages, sql, type Database } from "@convoy/db";
import { commitWithEvents, type CommitDeps } from "../events/commit";
import type { ChatUser, Thread } from "./access";

/**
 * Moves the caller's read cursor in a thread forward to `messageId`; never back. Emits a
 * read receipt only when the cursor actually moved.
 */
export async function markRead(
  deps: CommitDeps,
  reader: ChatUser,
  thread: Thread,
  messageId: number,
): Promise<{ lastReadMessageId: number; moved: boolean }> {
  const [message] = await deps.db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.offerId, thread.offerId), eq(messages.driverId, thread.driverId)))
    .limit(1);
  if (!message) throw new TRPCError({ code: "NOT_FOUND", message: "That message is not in this thread" });

  return commitWithEvents(deps, async (tx, emit) => {
    const key = and(eq(chatReads.userId, reader.id), eq(chatReads.offerId, thread.offerId), eq(chatReads.driverId, thread.driverId));
    // Lock the cursor row so two concurrent marks cannot both think they moved it.
    const [current] = await tx.select().from(chatReads).where(key).for("update");
    const previous = current?.lastReadMessageId ?? 0;
    if (messageId <= previous) return { lastReadMessageId: previous, moved: false };
    await tx
      .insert(chatReads)
      .values({ userId: reader.id, offerId: thread.offerId, driverId: thread.driverId, lastReadMessageId: messageId, updatedAt: new Date() })
      .onDuplicateKeyUpdate({
        set: { lastReadMessageId: sql`GREATEST(${chatReads.lastReadMessageId}, ${messageId})`, updatedAt: new Date() },
      });
    emit({
      stream: "chat",
      type: "read",
      offerId: thread.offerId,
      dispatcherId: thread.dispatcherId,
      driverId: thread.driverId,
      payload: { readerId: reader.id, readerRole: reader.role, lastReadMessageId: messageId },
    });
    return { lastReadMessageId: messageId, moved: true };
  });
}

/** Both parties' read cursors in a thread, for sent/read marks. */
export async function readCursors(db: Database, thread: Thread): Promise<{ dispatcher: number; driver: number }> {
  const rows = await db
    .select({ userId: chatReads.userId, last: chatReads.lastReadMessageId })
    .from(chatReads)
    .where(and(eq(chatReads.offerId, thread.offerId), eq(chatReads.driverId, thread.driverId)));
  const of = (userId: number) => rows.find((row) => row.userId === userId)?.last ?? 0;
  return { dispatcher: of(thread.dispatcherId), driver: of(thread.driverId) };
}
