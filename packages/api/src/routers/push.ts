import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { removeSubscription, saveSubscription } from "../push/subscriptions";
import { authedProcedure, createTRPCRouter } from "../trpc";

/** Longest endpoint stored; the push services' URLs are a few hundred characters. */
const MAX_ENDPOINT_LENGTH = 1_024;

const endpointSchema = z
  .string()
  .min(1, "endpoint is required")
  .max(MAX_ENDPOINT_LENGTH, `endpoint must be at most ${MAX_ENDPOINT_LENGTH} characters`)
  .pipe(z.url("endpoint must be a URL"));

/** A base64url string (unpadded, as browsers give it) that decodes to exactly `bytes` bytes. */
function base64urlKey(name: string, bytes: number) {
  const length = Math.ceil((bytes * 4) / 3);
  return z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${length}}$`), `${name} must be ${bytes} bytes as unpadded base64url (${length} characters)`);
}

/** `PushSubscription.toJSON()` as a browser sends it; `expirationTime` is accepted and ignored. */
export const pushSubscriptionSchema = z.object({
  endpoint: endpointSchema,
  expirationTime: z.number().nullish(),
  keys: z.object({
    // An uncompressed P-256 point: 0x04, then x and y.
    p256dh: base64urlKey("keys.p256dh", 65).refine(
      (key) => Buffer.from(key, "base64url")[0] === 0x04,
      "keys.p256dh must be an uncompressed P-256 public key",
    ),
    auth: base64urlKey("keys.auth", 16),
  }),
});

/** Notifications are for the people who work the offers: dispatchers and drivers. */
const pushProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role === "rider") throw new TRPCError({ code: "FORBIDDEN", message: "Notifications are for dispatchers and drivers" });
  return next();
});

export const pushRouter = createTRPCRouter({
  /** The key a browser subscribes with (`applicationServerKey`); null when this server sends no push. */
  publicKey: pushProcedure.query(({ ctx }) => ({ publicKey: ctx.services.push.publicKey })),

  /**
   * Registers this browser's subscription for the caller's session: it receives the caller's
   * notifications until the session ends, the browser unsubscribes, or the push service
   * says it is gone. Saving the same endpoint again is harmless.
   */
  subscribe: pushProcedure.input(pushSubscriptionSchema).mutation(async ({ ctx, input }) => {
    const { push, db } = ctx.services;
    if (!push.publicKey) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "This server sends no notifications (no VAPID keys are set)" });
    const problem = push.endpointProblem(input.endpoint);
    if (problem) throw new TRPCError({ code: "BAD_REQUEST", message: `Invalid input: ${problem}` });
    await saveSubscription(
      db,
      { sessionId: ctx.session.sessionId, userId: ctx.user.id },
      { endpoint: input.endpoint, keys: input.keys },
      push.limits,
    );
    return { subscribed: true as const };
  }),

  /** Stops notifications to this browser for the caller's session. */
  unsubscribe: pushProcedure.input(z.object({ endpoint: endpointSchema })).mutation(async ({ ctx, input }) => {
    const removed = await removeSubscription(ctx.services.db, ctx.session.sessionId, input.endpoint);
    return { removed };
  }),
});
