import { locationHistory, historyInputSchema } from "../tracking/history";
import { reportInputSchema } from "../tracking/points";
import { tripIdInputSchema } from "../trips/schemas";
import { authedProcedure, createTRPCRouter, dispatcherProcedure, driverProcedure } from "../trpc";

export const trackingRouter = createTRPCRouter({
  /**
   * A driver's own batch of 1–50 points. Bad points are refused one by one with a reason;
   * the rest are accepted. The position is the caller's: there is no driver id to pass.
   */
  report: driverProcedure.input(reportInputSchema).mutation(({ ctx, input }) => ctx.services.tracking.report(ctx.user.id, input.points)),

  /** Every driver with newest position, availability and presence, from memory. */
  fleet: dispatcherProcedure.query(({ ctx }) => ({ at: Date.now(), drivers: ctx.services.tracking.fleet() })),

  /**
   * A snapshot, then frames of the drivers that changed, at most one frame per 100 ms; a
   * reader behind on its socket gets the newest state in one frame once it caught up.
   */
  onFleet: dispatcherProcedure.subscription(({ ctx, signal }) => ctx.services.tracking.fleetStream(signal, ctx.backlog)),

  /**
   * The rider of a trip (or a dispatcher) follows its driver: a snapshot, then a frame per
   * position and per status change with distance and ETA to the pickup (then the dropoff),
   * ending after completed or cancelled. Drivers are FORBIDDEN; a trip with no driver yet,
   * or one that ended, is PRECONDITION_FAILED. A reader behind on its socket skips to the
   * newest position.
   */
  onTrip: authedProcedure
    .input(tripIdInputSchema)
    .subscription(({ ctx, input, signal }) =>
      ctx.services.trips.watch({ userId: ctx.user.id, role: ctx.user.role }, input.tripId, signal, ctx.backlog),
    ),

  /** A driver's breadcrumb trail in a window (epoch ms), oldest first, at most 2,000 points. */
  history: dispatcherProcedure.input(historyInputSchema).query(({ ctx, input }) => locationHistory(ctx.services.db, input)),
});
