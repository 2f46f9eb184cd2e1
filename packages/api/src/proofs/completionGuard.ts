import { TRPCError } from "@trpc/server";
import { and, deliveryProofs, eq, type Trip, tripHistory } from "@convoy/db";
import type { Tx } from "../lib/transaction";
import { proofRequired } from "./schemas";

/**
 * Refuses completing `trip` with PRECONDITION_FAILED while it needs proof of delivery and
 * has neither a proof (`proofs.submit`) nor a dispatcher's waiver (`proofs.waive`). The
 * driver's `overrideReason` does not count: only dispatch may let a load go without proof.
 */
export async function requireProofToComplete(tx: Tx, trip: Trip): Promise<void> {
  if (!proofRequired(trip.kind)) return;
  const [proof] = await tx.select({ id: deliveryProofs.id }).from(deliveryProofs).where(eq(deliveryProofs.tripId, trip.id)).limit(1);
  if (proof) return;
  const [waiver] = await tx
    .select({ id: tripHistory.id })
    .from(tripHistory)
    .where(and(eq(tripHistory.tripId, trip.id), eq(tripHistory.type, "proof_waived")))
    .limit(1);
  if (waiver) return;
  throw new TRPCError({
    code: "PRECONDITION_FAILED",
    message:
      "Proof of delivery is missing: take a photo of the delivered load, have the recipient sign and give their name, " +
      "then mark it delivered. If that cannot be done, ask dispatch to waive the proof.",
  });
}
