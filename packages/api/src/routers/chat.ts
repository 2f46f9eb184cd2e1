import { TRPCError, type TrackedEnvelope } from "@trpc/server";
import { z } from "zod";
import { authorizeChatScope, resolveThread, withThread } from "../chat/access";
import { threadHistory, type ChatMessage } from "../chat/messages";
import { markRead, readCursors } from "../chat/reads";
import { sendMessage } from "../chat/send";
import { listThreads } from "../chat/threads";
import type { TypingEvent } from "../chat/typing";
import { unreadCounts } from "../chat/unread";
import { openDurableStream } from "../events/durableStream";
import type { StoredEvent } from "../events/types";
import { idSchema, lastEventIdSchema } from "../lib/validation";
import { directMutation, directSubscription, type DirectStreams } from "../directProcedures";
import { createTRPCRouter, dispatcherProcedure, PARTICIPANT_ROLES, participantProcedure } from "../trpc";

/** Chat is between a dispatcher and a driver; riders have no threads. */
const chatRefusal = () => "Chat is for dispatchers and drivers";
const chatProcedure = participantProcedure(chatRefusal);

const threadInput = z.object({
  offerId: idSchema,
  /** The driver side of the thread. Drivers may omit it: their own thread is implied. */
  driverId: idSchema.optional(),
});

export const sendMessageInputSchema = threadInput.extend({
  body: z.string().trim().min(1, "message cannot be empty").max(2_000, "message must be at most 2000 characters"),
  clientMessageId: z.uuid("clientMessageId must be a UUID"),
});

/** What `chat.events` carries besides typing: a new message or a read receipt. */
export type ChatStreamEvent =
  | { type: "message"; eventId: number; offerId: number; driverId: number; message: ChatMessage }
  | {
      type: "read";
      eventId: number;
      offerId: number;
      driverId: number;
      readerId: number;
      readerRole: "dispatcher" | "driver";
      lastReadMessageId: number;
    };

function toChatStreamEvent(event: StoredEvent): ChatStreamEvent {
  const base = { eventId: event.id, offerId: event.offerId ?? 0, driverId: event.driverId ?? 0 };
  if (event.type === "message") {
    return { type: "message", ...base, message: event.payload.message as ChatMessage };
  }
  const payload = event.payload as { readerId: number; readerRole: "dispatcher" | "driver"; lastReadMessageId: number };
  return { type: "read", ...base, ...payload };
}

export const chatRouter = createTRPCRouter({
  /** The dispatcher's threads on one offer: one per recipient driver. */
  threads: dispatcherProcedure.input(z.object({ offerId: idSchema })).query(async ({ ctx, input }) => {
    const threads = await listThreads(ctx.services.db, ctx.user.id, input.offerId);
    if (threads.length === 0) throw new TRPCError({ code: "NOT_FOUND", message: "Offer not found" });
    return threads.map((thread) => ({
      ...thread,
      online: ctx.services.presence.isOnline(thread.driverId),
    }));
  }),

  history: chatProcedure
    .input(threadInput.extend({ before: idSchema.optional(), limit: z.number().int().min(1).max(100).default(30) }))
    .query(async ({ ctx, input }) => {
      const thread = await resolveThread(ctx.services.chat.threads, ctx.user, input);
      const [page, reads] = await Promise.all([threadHistory(ctx.services.db, thread, input), readCursors(ctx.services.db, thread)]);
      return { ...page, reads, dispatcherId: thread.dispatcherId, driverId: thread.driverId };
    }),

  /** Sends a message; a retry with the same `clientMessageId` returns the first (see `sendMessage`). */
  send: directMutation({
    roles: PARTICIPANT_ROLES,
    refusal: chatRefusal,
    meta: { keyedRetry: true },
    input: sendMessageInputSchema,
    resolve: ({ services, user, input }) => withThread(services.chat.threads, user, input, (thread) => sendMessage(services, user, thread, input)),
  }),

  markRead: directMutation({
    roles: PARTICIPANT_ROLES,
    refusal: chatRefusal,
    input: threadInput.extend({ messageId: idSchema }),
    async resolve({ services, user, input }) {
      const thread = await resolveThread(services.chat.threads, user, input);
      return markRead(services, user, thread, input.messageId);
    },
  }),

  typing: directMutation({
    roles: PARTICIPANT_ROLES,
    refusal: chatRefusal,
    input: threadInput.extend({ typing: z.boolean() }),
    resolve: ({ services, user, input }) =>
      withThread(services.chat.threads, user, input, (thread) => {
        services.typing.publish(thread, user.id, input.typing);
        return { ok: true as const };
      }),
  }),

  /** Unread messages in the caller's threads: the total (the badge) and per offer (the marks on the list). */
  unreadCount: chatProcedure.query(({ ctx }) => unreadCounts(ctx.services.db, ctx.user)),

  /**
   * Messages and read receipts (durable, resumable with `lastEventId`) and typing (live
   * only, untracked so it never moves the resume point). Without `offerId` a user gets all
   * their threads at once.
   */
  events: directSubscription({
    roles: PARTICIPANT_ROLES,
    refusal: chatRefusal,
    input: z.object({
      offerId: idSchema.optional(),
      driverId: idSchema.optional(),
      lastEventId: lastEventIdSchema,
    }),
    async open({ services, user, input, backlog }): Promise<DirectStreams<TrackedEnvelope<ChatStreamEvent> | TypingEvent>> {
      await authorizeChatScope(services.db, services.chat.threads, user, input);
      const scope = {
        ...(input.offerId === undefined ? {} : { offerId: input.offerId }),
        ...(input.driverId === undefined ? {} : { driverId: input.driverId }),
      };
      // Both halves listen before this returns, so `started` means a notice or message sent
      // from then on arrives.
      const typing = services.typing.listen(
        user.id,
        (event: TypingEvent) =>
          event.userId !== user.id &&
          (user.role === "dispatcher" ? event.dispatcherId === user.id : event.driverId === user.id) &&
          (scope.offerId === undefined || event.offerId === scope.offerId) &&
          (scope.driverId === undefined || event.driverId === scope.driverId),
      );
      const messages = await openDurableStream({
        db: services.db,
        pump: services.pump,
        stream: "chat",
        viewer: { userId: user.id, role: user.role },
        lastEventId: input.lastEventId,
        scope,
        backlog,
        view: toChatStreamEvent,
      }).catch((error: unknown) => {
        typing.close();
        throw error;
      });
      return {
        sources: [messages, typing],
        close: () => {
          typing.close();
          messages.close();
        },
      };
    },
  }),
});
