import { TRPCError } from "@trpc/server";
import { GeocoderUnavailableError } from "../geocoding/geocoder";
import { geocodeSearchInputSchema } from "../geocoding/schemas";
import { consumeOrThrow } from "../lib/rateLimits";
import { authedProcedure, createTRPCRouter } from "../trpc";

/** Address search for the forms that take a place: the dispatcher's offer and the rider's request. */
export const geocodeRouter = createTRPCRouter({
  /** Whether address search is configured; without it the apps offer picking on the map only. */
  status: authedProcedure.query(({ ctx }) => ({ configured: ctx.services.geocoder !== null })),

  /**
   * Up to `limit` (≤ 10) addresses for free text, best first, from the geocoder at
   * `GEOCODER_URL`; answers are cached. Each search spends the caller's address-search budget
   * (TOO_MANY_REQUESTS past it). PRECONDITION_FAILED when none is configured; when the
   * geocoder fails, GATEWAY_TIMEOUT (no answer in time) or BAD_GATEWAY (unreachable, an HTTP
   * error, an answer in no known format). Not SERVICE_UNAVAILABLE: clients retry that, and a
   * person typing would wait through every retry.
   */
  search: authedProcedure.input(geocodeSearchInputSchema).query(async ({ ctx, input }) => {
    const { geocoder } = ctx.services;
    if (!geocoder) {
      throw new TRPCError({ code: "PRECONDITION_FAILED", message: "Address search is not configured on this server; pick the place on the map" });
    }
    await consumeOrThrow(ctx.services.limits, "geocode", String(ctx.user.id), "address searches");
    try {
      return { results: await geocoder.search(input.query, input.limit, input.near) };
    } catch (error) {
      if (error instanceof GeocoderUnavailableError) {
        throw new TRPCError({ code: error.reason === "timeout" ? "GATEWAY_TIMEOUT" : "BAD_GATEWAY", message: error.message, cause: error });
      }
      throw error;
    }
  }),
});
