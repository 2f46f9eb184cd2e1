import { eq, offerRecipients } from "@convoy/db";
import { commitWithEvents } from "../events/commit";
import { badRequest, conflict, notFound } from "../lib/errors";
import type { OfferDeps } from "./deps";
import { closedOfferError, driversStillInPlay, findRecipient, lockOffer } from "./guards";
import { offerEvent, offerOwner } from "./offerEvents";
import { transition } from "./recipientStates";
import { expireOfferIn, type SweeperDeps } from "./sweeper";

/**
 * The driver opened the offer: `sent` → `viewed`, and the dispatcher hears about it.
 * Idempotent: viewing again, viewing after answering, or viewing a closed offer changes
 * nothing and emits nothing. NOT_FOUND when the offer was not sent to this driver.
 */
export async function markViewed(deps: OfferDeps, driverId: number, offerId: number): Promise<void> {
  const mine = await findRecipient(deps.db, offerId, driverId);
  if (!mine) throw notFound("Offer");
  if (mine.status !== "sent") return;

  await commitWithEvents(deps, async (tx, emit) => {
    const locked = await lockOffer(tx, offerId);
    if (!locked || closedOfferError(locked, { userId: driverId, role: "driver" })) return;
    const recipient = await findRecipient(tx, offerId, driverId, true);
    if (!recipient) return;
    const move = transition(recipient.status, "view");
    if (!move.ok || move.to === recipient.status) return;
    const viewedAt = new Date();
    await tx.update(offerRecipients).set({ status: move.to, viewedAt }).where(eq(offerRecipients.id, recipient.id));
    emit(
      offerEvent(
        offerId,
        { dispatcherId: offerOwner(locked.offer), driverId },
        {
          type: "offer.viewed",
          driverId,
          viewedAt: viewedAt.toISOString(),
        },
      ),
    );
  });
}

/** A driver's answer other than accept: the rate they want instead, or no. */
export type DriverAnswer = { action: "reject" } | { action: "counter"; counterRateCents: number };

/**
 * Records a reject or a counter while the offer is open. A counter may be revised (the
 * newest replaces the earlier one), and a counter can be withdrawn by rejecting.
 * Answers after a final state (accepted, rejected, lost, withdrawn) or on a closed offer
 * are refused with CONFLICT and the reason. The last driver to reject a ride closes its
 * offer and sends the ride to its next wave.
 */
export async function answerOffer(deps: SweeperDeps, driverId: number, offerId: number, answer: DriverAnswer): Promise<void> {
  if (!(await findRecipient(deps.db, offerId, driverId))) throw notFound("Offer");

  await commitWithEvents(deps, async (tx, emit) => {
    const locked = await lockOffer(tx, offerId);
    if (!locked) throw notFound("Offer");
    const closed = closedOfferError(locked, { userId: driverId, role: "driver" });
    if (closed) throw closed;
    // Nobody could accept a counter: a ride's fare is quoted to the rider up front.
    if (answer.action === "counter" && locked.offer.kind === "ride") throw badRequest("A ride's fare is fixed; accept or reject it");
    const recipient = await findRecipient(tx, offerId, driverId, true);
    if (!recipient) throw notFound("Offer");
    const move = transition(recipient.status, answer.action);
    if (!move.ok) throw conflict(move.reason);

    const respondedAt = new Date();
    const dispatcherId = offerOwner(locked.offer);
    if (answer.action === "counter") {
      await tx
        .update(offerRecipients)
        .set({ status: move.to, counterRateCents: answer.counterRateCents, respondedAt })
        .where(eq(offerRecipients.id, recipient.id));
      emit(
        offerEvent(
          offerId,
          { dispatcherId, driverId },
          {
            type: "offer.countered",
            driverId,
            counterRateCents: answer.counterRateCents,
            respondedAt: respondedAt.toISOString(),
          },
        ),
      );
    } else {
      await tx.update(offerRecipients).set({ status: move.to, respondedAt }).where(eq(offerRecipients.id, recipient.id));
      emit(
        offerEvent(
          offerId,
          { dispatcherId, driverId },
          {
            type: "offer.rejected",
            driverId,
            respondedAt: respondedAt.toISOString(),
          },
        ),
      );
      // A rider is waiting: when every driver of the wave has said no, offer the next wave
      // now rather than when the offer's deadline passes. A load stays open for its dispatcher.
      if (locked.offer.kind === "ride" && (await driversStillInPlay(tx, offerId)).length === 0) {
        await expireOfferIn(tx, emit, deps.trips, offerId, false);
      }
    }
  });
}
