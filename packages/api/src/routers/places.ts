import { durableStream } from "../events/durableStream";
import { createPlace, deletePlace, listPlaces, updatePlace } from "../places/crud";
import { toPlaceEvent, type PlaceEvent } from "../places/placeEvents";
import { createPlaceInputSchema, placeEventsInputSchema, placeIdInputSchema, updatePlaceInputSchema } from "../places/schemas";
import { createTRPCRouter, dispatcherProcedure } from "../trpc";

/** Saved places and their geofence events; places are shared by every dispatcher. */
export const placesRouter = createTRPCRouter({
  /** Every saved place, by name, with the server's default dwell time for those without their own. */
  list: dispatcherProcedure.query(async ({ ctx }) => ({
    places: await listPlaces(ctx.services.db),
    defaultDwellSeconds: ctx.services.places.dwellSeconds,
  })),

  /** Saves a circle or polygon; CONFLICT once the most places Convoy keeps are saved. */
  create: dispatcherProcedure.input(createPlaceInputSchema).mutation(({ ctx, input }) => createPlace(ctx.services, ctx.user.id, input)),

  /** Changes a place at the `version` the dispatcher saw; CONFLICT when someone changed it since. */
  update: dispatcherProcedure.input(updatePlaceInputSchema).mutation(({ ctx, input }) => updatePlace(ctx.services, input)),

  /** Removes a place; CONFLICT while it guards an unfinished trip. */
  delete: dispatcherProcedure.input(placeIdInputSchema).mutation(({ ctx, input }) => deletePlace(ctx.services, input.placeId)),

  /**
   * Place edits and drivers entering, dwelling in and leaving places, resumable: pass the
   * last event id seen (the wsLink does so on reconnect) and get exactly what was missed.
   */
  events: dispatcherProcedure.input(placeEventsInputSchema).subscription(({ ctx, input, signal }) =>
    durableStream<PlaceEvent>({
      stream: "places",
      viewer: { userId: ctx.user.id, role: "dispatcher" },
      lastEventId: input.lastEventId,
      signal,
      backlog: ctx.backlog,
      db: ctx.services.db,
      pump: ctx.services.pump,
      view: toPlaceEvent,
    }),
  ),
});
