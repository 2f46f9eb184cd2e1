import { TRPCError } from "@trpc/server";
import { notFound } from "../lib/errors";
import { offerIdInputSchema } from "../offers/schemas";
import { offerEnds, plannedRoute } from "../routing/plannedRoute";
import { getTrip } from "../trips/queries";
import { tripIdInputSchema } from "../trips/schemas";
import { authedProcedure, createTRPCRouter } from "../trpc";

export const routesRouter = createTRPCRouter({
  /**
   * An offer's pickup → dropoff road from the routing engine, or the straight line with an
   * estimated duration (`source: "estimate"`) when there is no engine or it did not answer
   * in time. For the offer's creator and the drivers it was sent to; NOT_FOUND for anyone else.
   */
  offer: authedProcedure.input(offerIdInputSchema).query(async ({ ctx, input }) => {
    const { role } = ctx.user;
    if (role === "rider") throw new TRPCError({ code: "FORBIDDEN", message: "Riders follow their trips with routes.trip" });
    const ends = await offerEnds(ctx.services.db, { userId: ctx.user.id, role }, input.offerId);
    if (!ends) throw notFound("Offer");
    return plannedRoute(ctx.services.trips.routing, ends.pickup, ends.dropoff, ctx.services.trips.settings);
  }),

  /** A trip's pickup → dropoff road, as `routes.offer`; for its rider, its driver and dispatchers. */
  trip: authedProcedure.input(tripIdInputSchema).query(async ({ ctx, input }) => {
    const trip = await getTrip(ctx.services.db, { userId: ctx.user.id, role: ctx.user.role }, input.tripId);
    if (!trip) throw notFound("Trip");
    return plannedRoute(ctx.services.trips.routing, trip.pickup, trip.dropoff, ctx.services.trips.settings);
  }),
});
