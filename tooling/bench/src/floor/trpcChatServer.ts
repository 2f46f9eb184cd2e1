/**
 * The chat floor through tRPC: the chat floor's frames (see `chatServer.ts`) through tRPC's
 * WebSocket adapter, with procedures shaped as Convoy's (`chat.typing` and `chat.send` with
 * zod input, `chat.events` yielding typing untracked and messages `tracked`, Convoy's
 * encoder) and nothing else: no auth, sessions, budgets, database, group commit, pump or bus.
 * Between the bare chat floor and Convoy's chat figure it shows how much is the library and
 * how much is Convoy. Run as its own process like `chatServer.ts`, with the same tokens and
 * offer ids.
 */
import { initTRPC, tracked } from "@trpc/server";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { WebSocketServer } from "ws";
import { z } from "zod";
import { sharedJsonEncoder } from "@convoy/api/server";
import { dispatcherOfFloorOffer } from "./chatMessages";

const t = initTRPC.context<{ userId: number }>().create();

const id = z.number().int().positive();
const thread = z.object({ offerId: id, driverId: id });

/** Each user's `chat.events` inbox: what waits, and the wake of a reader waiting for it. */
interface Inbox {
  items: unknown[];
  wake: (() => void) | null;
}
const inboxes = new Map<number, Inbox>();
let lastMessageId = 0;
let lastEventId = 0;

function deliver(userId: number, item: unknown): void {
  const inbox = inboxes.get(userId);
  if (!inbox) return;
  inbox.items.push(item);
  inbox.wake?.();
  inbox.wake = null;
}

async function* events(userId: number, signal: AbortSignal | undefined): AsyncGenerator {
  const inbox: Inbox = { items: [], wake: null };
  inboxes.set(userId, inbox);
  const stop = () => inbox.wake?.();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    while (!signal?.aborted) {
      const items = inbox.items.splice(0);
      for (const item of items) yield item;
      if (items.length === 0) await new Promise<void>((resolve) => (inbox.wake = resolve));
    }
  } finally {
    if (inboxes.get(userId) === inbox) inboxes.delete(userId);
    signal?.removeEventListener("abort", stop);
  }
}

const router = t.router({
  chat: t.router({
    typing: t.procedure.input(thread.extend({ typing: z.boolean() })).mutation(({ ctx, input }) => {
      const dispatcherId = dispatcherOfFloorOffer(input.offerId);
      const otherSide = ctx.userId === input.driverId ? dispatcherId : input.driverId;
      deliver(otherSide, {
        type: "typing",
        offerId: input.offerId,
        driverId: input.driverId,
        dispatcherId,
        userId: ctx.userId,
        typing: input.typing,
      });
      return { ok: true as const };
    }),
    send: t.procedure.input(thread.extend({ body: z.string().trim().min(1).max(2_000), clientMessageId: z.uuid() })).mutation(({ ctx, input }) => {
      const dispatcherId = dispatcherOfFloorOffer(input.offerId);
      const otherSide = ctx.userId === input.driverId ? dispatcherId : input.driverId;
      const message = {
        id: ++lastMessageId,
        offerId: input.offerId,
        driverId: input.driverId,
        senderId: ctx.userId,
        kind: "text",
        body: input.body,
        clientMessageId: input.clientMessageId,
        createdAt: new Date().toISOString(),
      };
      const eventId = ++lastEventId;
      const event = { type: "message", eventId, offerId: input.offerId, driverId: input.driverId, message };
      deliver(ctx.userId, tracked(String(eventId), event));
      deliver(otherSide, tracked(String(eventId), event));
      return message;
    }),
    events: t.procedure.subscription(({ ctx, signal }) => events(ctx.userId, signal)),
  }),
});

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
applyWSSHandler({
  wss,
  router,
  experimental_encoder: sharedJsonEncoder,
  createContext: ({ info }) => {
    const token = (info.connectionParams as { token?: string } | null)?.token ?? "";
    return { userId: Number(token.split(":")[1]) };
  },
});

wss.on("listening", () => {
  const address = wss.address();
  process.send?.({ port: typeof address === "object" && address ? address.port : 0 });
});

process.on("disconnect", () => process.exit(0));
