import { z } from "zod";
import { userRoles, type UserRole } from "@convoy/db";
import { directSubscription } from "../directProcedures";
import { locationHistory, historyInputSchema } from "../tracking/history";
import { reportInputSchema } from "../tracking/points";
import { tripIdInputSchema } from "../trips/schemas";
import { createTRPCRouter, dispatcherProcedure, driverProcedure, onlyRole } from "../trpc";

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
   * Takes no input: an object sent as one is ignored, anything else is BAD_REQUEST.
   */
  onFleet: directSubscription({
    roles: ["dispatcher"],
    refusal: onlyRole("dispatcher"),
    input: z.object({}).optional(),
    async open({ services, backlog }) {
      const fleet = services.tracking.openFleet(backlog);
      return { sources: [fleet], close: fleet.close };
    },
  }),

  /**
   * The rider of a trip (or a dispatcher) follows its driver: a snapshot, then a frame per
   * position and per status change with distance and ETA to the pickup (then the dropoff),
   * ending after completed or cancelled. Drivers are FORBIDDEN; a trip with no driver yet,
   * or one that ended, is PRECONDITION_FAILED. A reader behind on its socket skips to the
   * newest position.
   */
  onTrip: directSubscription({
    // Every role may open it; a driver is refused by the stream itself, after `started`.
    roles: userRoles,
    refusal: (role: UserRole) => `Trip tracking is not open to a ${role}`,
    input: tripIdInputSchema,
    async open({ services, user, input, backlog }) {
      // The trip is read, and its refusals thrown, at the stream's first pull, after
      // `started`; closing it ends the watch through this signal.
      const watching = new AbortController();
      return {
        sources: [{ read: () => services.trips.watch({ userId: user.id, role: user.role }, input.tripId, watching.signal, backlog) }],
        close: () => watching.abort(),
      };
    },
  }),

  /** A driver's breadcrumb trail in a window (epoch ms), oldest first, at most 2,000 points. */
  history: dispatcherProcedure.input(historyInputSchema).query(({ ctx, input }) => locationHistory(ctx.services.db, input)),
});
