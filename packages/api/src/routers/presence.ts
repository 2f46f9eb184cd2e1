import { createTRPCRouter, dispatcherProcedure } from "../trpc";

export const presenceRouter = createTRPCRouter({
  /** Drivers and dispatchers online now (with a socket, or inside the reconnect grace). */
  online: dispatcherProcedure.query(({ ctx }) => ({ at: Date.now(), online: ctx.services.presence.online() })),

  /** A snapshot of who is online, then `{ kind: "change", userId, role, online, at }` events. */
  events: dispatcherProcedure.subscription(({ ctx, signal }) => ctx.services.presence.events(signal)),
});
