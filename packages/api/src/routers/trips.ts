import { TRPCError } from "@trpc/server";
import { durableStream } from "../events/durableStream";
import { notFound } from "../lib/errors";
import { setArrivalPlace } from "../trips/arrivalPlace";
import { setArrivalRadius } from "../trips/arrivalRadius";
import { cancelTrip } from "../trips/cancel";
import { readTripHistory } from "../trips/history";
import { getTrip, listTrips } from "../trips/queries";
import { rateTrip } from "../trips/rate";
import { reassignTrip } from "../trips/reassign";
import { requestTrip } from "../trips/request";
import {
  cancelTripInputSchema,
  listTripsInputSchema,
  rateTripInputSchema,
  reassignTripInputSchema,
  requestTripInputSchema,
  setArrivalPlaceInputSchema,
  setArrivalRadiusInputSchema,
  tripEventsInputSchema,
  tripIdInputSchema,
  updateTripStatusInputSchema,
} from "../trips/schemas";
import { updateTripStatus } from "../trips/status";
import { toTripEvent, type TripEvent } from "../trips/tripEvents";
import type { TripViewer } from "../trips/views";
import { authedProcedure, createTRPCRouter, dispatcherProcedure, driverProcedure, riderProcedure, spendMutationBudget } from "../trpc";

/** Everyone signed in has a view of trips; the role decides which rows. */
const tripViewerProcedure = authedProcedure.use(({ ctx, next }) =>
  next({ ctx: { ...ctx, viewer: { userId: ctx.user.id, role: ctx.user.role } satisfies TripViewer } }),
);

export const tripsRouter = createTRPCRouter({
  /**
   * A rider asks for a ride from pickup to dropoff in a vehicle class. Returns the trip:
   * `requested` while the nearest drivers of that class are offered it wave by wave, or
   * already `cancelled` (`no_driver`) when nobody is in range. CONFLICT while the rider has
   * another trip under way.
   */
  request: riderProcedure.input(requestTripInputSchema).mutation(({ ctx, input }) => requestTrip(ctx.services, ctx.user.id, input)),

  /** One trip: its rider, its driver, or any dispatcher; NOT_FOUND for anyone else. */
  byId: tripViewerProcedure.input(tripIdInputSchema).query(async ({ ctx, input }) => {
    const trip = await getTrip(ctx.services.db, ctx.viewer, input.tripId);
    if (!trip) throw notFound("Trip");
    return trip;
  }),

  /** A rider's or driver's own trips, or every trip for a dispatcher; newest first, paged. */
  list: tripViewerProcedure.input(listTripsInputSchema).query(({ ctx, input }) => listTrips(ctx.services.db, ctx.viewer, input)),

  /**
   * The trip's rider, driver or any dispatcher: what happened besides the status stamps
   * (overrides with the driver's reason, reassignments, cancellations), oldest first.
   */
  history: tripViewerProcedure.input(tripIdInputSchema).query(async ({ ctx, input }) => {
    if (!(await getTrip(ctx.services.db, ctx.viewer, input.tripId))) throw notFound("Trip");
    return readTripHistory(ctx.services.db, input.tripId);
  }),

  /**
   * The trip's driver moves it one step on: en_route, arrived, in_progress, completed.
   * Arriving and completing away from the pickup or dropoff is PRECONDITION_FAILED unless
   * the driver gives `overrideReason`. A repeat with the same `idempotencyKey` makes the
   * move once, returns the trip and spends no rate-limit budget.
   */
  updateStatus: driverProcedure
    .meta({ keyedRetry: true })
    .input(updateTripStatusInputSchema)
    .mutation(({ ctx, input }) => updateTripStatus(ctx.services, ctx.user.id, input, () => spendMutationBudget(ctx.services, ctx.user.id))),

  /** The rider (before the ride starts) or any dispatcher cancels, saying why. */
  cancel: tripViewerProcedure.input(cancelTripInputSchema).mutation(({ ctx, input }) => {
    const { role } = ctx.user;
    if (role === "driver") {
      throw new TRPCError({ code: "FORBIDDEN", message: "Drivers cannot cancel trips; ask a dispatcher" });
    }
    return cancelTrip(ctx.services, { userId: ctx.user.id, role }, input);
  }),

  /**
   * A dispatcher hands a trip to another available driver with no trip on; the old driver
   * loses it. CONFLICT when the trip, the driver or `currentDriverId` does not allow it.
   */
  reassign: dispatcherProcedure.input(reassignTripInputSchema).mutation(({ ctx, input }) => reassignTrip(ctx.services, ctx.user.id, input)),

  /** A dispatcher sets how near the pickup and dropoff the driver must be, in metres. */
  setArrivalRadius: dispatcherProcedure.input(setArrivalRadiusInputSchema).mutation(({ ctx, input }) => setArrivalRadius(ctx.services, input)),

  /**
   * A dispatcher has saved places guard the pickup and dropoff instead of the radius (the
   * driver must be inside them), or with null goes back to the radius.
   */
  setArrivalPlace: dispatcherProcedure.input(setArrivalPlaceInputSchema).mutation(({ ctx, input }) => setArrivalPlace(ctx.services, input)),

  /** The rider rates a completed trip once: 1–5 stars and an optional comment. */
  rate: riderProcedure.input(rateTripInputSchema).mutation(({ ctx, input }) => rateTrip(ctx.services, ctx.user.id, input)),

  /**
   * Every change to the viewer's trips (the rider's own, the driver's own, all for
   * dispatchers), resumable: pass the last event id seen (the wsLink does so on reconnect)
   * and get exactly what was missed, then live events.
   */
  events: tripViewerProcedure.input(tripEventsInputSchema).subscription(async ({ ctx, input, signal }) => {
    if (input.tripId !== undefined && !(await getTrip(ctx.services.db, ctx.viewer, input.tripId))) throw notFound("Trip");
    return durableStream<TripEvent>({
      stream: "trips",
      viewer: ctx.viewer,
      lastEventId: input.lastEventId,
      scope: input.tripId === undefined ? undefined : { tripId: input.tripId },
      signal,
      backlog: ctx.backlog,
      db: ctx.services.db,
      pump: ctx.services.pump,
      view: toTripEvent,
    });
  }),
});
