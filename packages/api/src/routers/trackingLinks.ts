import { TRPCError } from "@trpc/server";
import { tripIdInputSchema } from "../trips/schemas";
import { createTrackingLinkInputSchema, trackingLinkIdInputSchema, watchTrackingLinkInputSchema } from "../trackingLinks/schemas";
import { linkManager } from "../trackingLinks/store";
import { authedProcedure, createTRPCRouter, publicProcedure } from "../trpc";

/** The trip's rider or any dispatcher; drivers are FORBIDDEN before their input is read. */
const linkManagerProcedure = authedProcedure.use(({ ctx, next }) =>
  next({ ctx: { ...ctx, manager: linkManager({ userId: ctx.user.id, role: ctx.user.role }) } }),
);

export const trackingLinksRouter = createTRPCRouter({
  /**
   * The trip's rider or any dispatcher makes a read-only link to the trip's live tracking for
   * someone without an account. The token is in this answer only (it is stored hashed).
   * Drivers are FORBIDDEN; someone else's trip is NOT_FOUND; a trip with no driver yet or one
   * that ended is PRECONDITION_FAILED; past the creator's budget, TOO_MANY_REQUESTS.
   */
  create: linkManagerProcedure
    .input(createTrackingLinkInputSchema)
    .mutation(({ ctx, input }) => ctx.services.trackingLinks.create(ctx.manager, input)),

  /** A trip's links, newest first, at most 50: all of them for a dispatcher, the rider's own for the rider. */
  list: linkManagerProcedure.input(tripIdInputSchema).query(({ ctx, input }) => ctx.services.trackingLinks.list(ctx.manager, input.tripId)),

  /** Ends a link at once; its open pages close within a second on every instance. A rider revokes only links they made. */
  revoke: linkManagerProcedure
    .input(trackingLinkIdInputSchema)
    .mutation(({ ctx, input }) => ctx.services.trackingLinks.revoke(ctx.manager, input.linkId)),

  /**
   * No sign-in: the page a link opens follows the trip's driver by the link's token, with
   * only position, status, ETA and the driver's first name (see `PublicTrackingFrame`). A
   * token that opens nothing is NOT_FOUND, the same whatever the reason; opens are limited
   * per remote address, and open pages per link and per address (TOO_MANY_REQUESTS).
   */
  watch: publicProcedure.input(watchTrackingLinkInputSchema).subscription(({ ctx, input, signal }) => {
    if (ctx.http) {
      throw new TRPCError({ code: "METHOD_NOT_SUPPORTED", message: "Subscriptions are served over the WebSocket at /trpc only" });
    }
    return ctx.services.trackingLinks.watch(input.token, ctx.address ?? "unknown", signal, ctx.backlog);
  }),
});
