import { and, eq, inArray, offerRecipients, offers, sql } from "@convoy/db";
import { commitWithEvents, type Emit } from "../events/commit";
import { conflict, notFound } from "../lib/errors";
import type { Tx } from "../lib/transaction";
import type { OfferDeps } from "./deps";
import { affectedRows } from "../lib/affectedRows";
import { closedOfferError, DB_NOW, lockOffer } from "./guards";
import { offerEvent } from "./offerEvents";
import { transition } from "./recipientStates";

/**
 * The dispatcher withdraws an open offer: it becomes `cancelled`, and every driver still
 * in play becomes `withdrawn` and is told so. Like accepting, a conditional UPDATE, so a
 * cancel racing an accept has exactly one winner. Another dispatcher's offer is NOT_FOUND.
 */
export async function cancelOffer(deps: OfferDeps, dispatcherId: number, offerId: number): Promise<void> {
  await commitWithEvents(deps, async (tx, emit) => {
    const result = await tx
      .update(offers)
      .set({ status: "cancelled" })
      .where(and(eq(offers.id, offerId), eq(offers.createdBy, dispatcherId), eq(offers.status, "open"), sql`${offers.expiresAt} > ${DB_NOW}`));
    if (affectedRows(result) !== 1) {
      const locked = await lockOffer(tx, offerId);
      if (locked?.offer.createdBy !== dispatcherId) throw notFound("Offer");
      throw closedOfferError(locked, { userId: dispatcherId, role: "dispatcher" }) ?? conflict("This offer changed meanwhile; reload it");
    }
    await withdrawOffer(tx, emit, offerId, dispatcherId);
  });
}

/**
 * Everything that follows an offer becoming `cancelled`, in the same transaction: every
 * driver still in play becomes `withdrawn` and is told so, and the dispatcher, when there is
 * one (a ride offer has none; see `offerOwner`), hears `offer.cancelled`. The caller has
 * already moved the offer to `cancelled` with its own conditional UPDATE.
 */
export async function withdrawOffer(tx: Tx, emit: Emit, offerId: number, dispatcherId: number | undefined): Promise<void> {
  const recipients = await tx
    .select({ id: offerRecipients.id, driverId: offerRecipients.driverId, status: offerRecipients.status })
    .from(offerRecipients)
    .where(eq(offerRecipients.offerId, offerId))
    .for("update");
  const withdrawn = recipients.filter((row) => transition(row.status, "withdraw").ok);
  if (withdrawn.length > 0) {
    await tx
      .update(offerRecipients)
      .set({ status: "withdrawn" })
      .where(
        inArray(
          offerRecipients.id,
          withdrawn.map((row) => row.id),
        ),
      );
  }
  const withdrawnDriverIds = withdrawn.map((row) => row.driverId);
  if (dispatcherId !== undefined) emit(offerEvent(offerId, { dispatcherId }, { type: "offer.cancelled", withdrawnDriverIds }));
  for (const driverId of withdrawnDriverIds) {
    emit(offerEvent(offerId, { driverId }, { type: "offer.withdrawn", driverId }));
  }
}
