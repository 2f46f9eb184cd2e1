import { notFound } from "../lib/errors";
import { tripForProofViewer } from "../proofs/access";
import { submitProofInputSchema, waiveProofInputSchema } from "../proofs/schemas";
import { submitProof } from "../proofs/submit";
import { readDeliveryProof } from "../proofs/view";
import { waiveProof } from "../proofs/waive";
import { tripIdInputSchema } from "../trips/schemas";
import { authedProcedure, createTRPCRouter, dispatcherProcedure, driverProcedure } from "../trpc";

/**
 * Proof of delivery: the driver's photo, the recipient's signature and name at a load's
 * dropoff. The images themselves are uploaded over HTTP (`POST /proofs/upload`) and read
 * through the signed links `forTrip` hands out.
 */
export const proofsRouter = createTRPCRouter({
  /**
   * The trip's proof and any waiver, with links to its images that work for a few minutes
   * (no token needed, so an `<img>` loads them). Only the trip's driver, its rider and the
   * load's dispatcher; NOT_FOUND for anyone else.
   */
  forTrip: authedProcedure.input(tripIdInputSchema).query(async ({ ctx, input }) => {
    const trip = await tripForProofViewer(ctx.services.db, { userId: ctx.user.id, role: ctx.user.role }, input.tripId);
    if (!trip) throw notFound("Trip");
    return readDeliveryProof(ctx.services.db, ctx.services.proofs.signer, trip);
  }),

  /**
   * The trip's driver hands in the proof at the dropoff: an uploaded photo and signature of
   * this load and the recipient's name. Again before completion replaces it.
   */
  submit: driverProcedure
    .input(submitProofInputSchema)
    .mutation(({ ctx, input }) => submitProof(ctx.services.db, ctx.services.proofs, ctx.user.id, input)),

  /** The load's dispatcher lets it be completed without proof, saying why; kept in `trips.history`. */
  waive: dispatcherProcedure
    .input(waiveProofInputSchema)
    .mutation(({ ctx, input }) => waiveProof(ctx.services.db, ctx.services.proofs, { userId: ctx.user.id, role: "dispatcher" }, input)),
});
