import type { Database, UserRole } from "@convoy/db";
import type { TrackedEnvelope } from "@trpc/server";
import { directSubscription, type DirectStreams } from "../directProcedures";
import { openDurableStream } from "../events/durableStream";
import { notFound } from "../lib/errors";
import { acceptCounter, acceptOffer } from "../offers/award";
import { cancelOffer } from "../offers/cancel";
import { createOffer } from "../offers/create";
import { answerOffer, markViewed } from "../offers/driverResponses";
import { toOfferEvent, type OfferEvent } from "../offers/offerEvents";
import { getOfferDetail, listOffers } from "../offers/queries";
import {
  acceptCounterInputSchema,
  createOfferInputSchema,
  listOffersInputSchema,
  offerEventsInputSchema,
  offerIdInputSchema,
  respondInputSchema,
} from "../offers/schemas";
import type { OfferDetail, OfferViewer } from "../offers/views";
import { createTRPCRouter, dispatcherProcedure, driverProcedure, mutationBudget, PARTICIPANT_ROLES, participantProcedure } from "../trpc";

/** Dispatchers and drivers take part in offers; riders are refused before anything is read. */
const offerParticipantRefusal = (role: UserRole) => `Offers are for dispatchers and drivers; you are signed in as a ${role}`;
const offerParticipantProcedure = participantProcedure(offerParticipantRefusal);

const viewerOf = (user: { id: number; role: OfferViewer["role"] }): OfferViewer => ({ userId: user.id, role: user.role });

async function detailOrNotFound(db: Database, viewer: OfferViewer, offerId: number): Promise<OfferDetail> {
  const detail = await getOfferDetail(db, viewer, offerId);
  if (!detail) throw notFound("Offer");
  return detail;
}

export const offersRouter = createTRPCRouter({
  /**
   * Offers a load to up to 1,000 drivers. Returns the offer with its recipients. A retry with
   * the same `idempotencyKey` returns the first offer and spends no rate-limit budget (the
   * point is spent, then given back; see `createOffer`).
   */
  create: dispatcherProcedure
    .meta({ keyedRetry: true })
    .input(createOfferInputSchema)
    .mutation(({ ctx, input }) => createOffer(ctx.services, ctx.user.id, input, mutationBudget(ctx.services, ctx.user.id))),

  /** A dispatcher's own offers, or the offers sent to a driver; newest first. */
  list: offerParticipantProcedure.input(listOffersInputSchema).query(({ ctx, input }) => listOffers(ctx.services.db, viewerOf(ctx.user), input)),

  /** One offer with its recipients; a driver sees only their own recipient row. */
  byId: offerParticipantProcedure
    .input(offerIdInputSchema)
    .query(({ ctx, input }) => detailOrNotFound(ctx.services.db, viewerOf(ctx.user), input.offerId)),

  /** The driver opened the offer. Idempotent. */
  markViewed: driverProcedure.input(offerIdInputSchema).mutation(async ({ ctx, input }) => {
    const viewer: OfferViewer = { userId: ctx.user.id, role: "driver" };
    await markViewed(ctx.services, ctx.user.id, input.offerId);
    return detailOrNotFound(ctx.services.db, viewer, input.offerId);
  }),

  /** Accept, reject, or counter with a rate (revisable while the offer is open). */
  respond: driverProcedure.input(respondInputSchema).mutation(async ({ ctx, input }) => {
    const viewer: OfferViewer = { userId: ctx.user.id, role: "driver" };
    // An accept answers with the offer as the award left it, without reading it again.
    if (input.action === "accept") return (await acceptOffer(ctx.services, ctx.user.id, input.offerId)).winnerView;
    await answerOffer(ctx.services, ctx.user.id, input.offerId, input);
    return detailOrNotFound(ctx.services.db, viewer, input.offerId);
  }),

  /** The dispatcher agrees to one driver's counter; it becomes the agreed rate. */
  acceptCounter: dispatcherProcedure.input(acceptCounterInputSchema).mutation(async ({ ctx, input }) => {
    await acceptCounter(ctx.services, ctx.user.id, input);
    return detailOrNotFound(ctx.services.db, { userId: ctx.user.id, role: "dispatcher" }, input.offerId);
  }),

  /** Withdraws an open offer from every driver still in play. */
  cancel: dispatcherProcedure.input(offerIdInputSchema).mutation(async ({ ctx, input }) => {
    await cancelOffer(ctx.services, ctx.user.id, input.offerId);
    return detailOrNotFound(ctx.services.db, { userId: ctx.user.id, role: "dispatcher" }, input.offerId);
  }),

  /**
   * Every change to the viewer's offers, resumable: pass the last event id seen (the wsLink
   * does so on reconnect) and get exactly what was missed, then live events.
   */
  events: directSubscription({
    roles: PARTICIPANT_ROLES,
    refusal: offerParticipantRefusal,
    input: offerEventsInputSchema,
    async open({ services, user, input, backlog }): Promise<DirectStreams<TrackedEnvelope<OfferEvent>>> {
      const viewer = viewerOf(user);
      if (input.offerId !== undefined && !(await getOfferDetail(services.db, viewer, input.offerId))) throw notFound("Offer");
      const stream = await openDurableStream<OfferEvent>({
        stream: "offers",
        viewer,
        lastEventId: input.lastEventId,
        scope: input.offerId === undefined ? undefined : { offerId: input.offerId },
        backlog,
        db: services.db,
        pump: services.pump,
        view: toOfferEvent,
      });
      return { sources: [stream], close: stream.close };
    },
  }),
});
