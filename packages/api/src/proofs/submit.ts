import { TRPCError } from "@trpc/server";
import { type Database, deliveryProofs, inArray, proofFiles } from "@convoy/db";
import { notFound } from "../lib/errors";
import { withTransaction } from "../lib/transaction";
import { lockTrip } from "../trips/status";
import { proofRequired, type SubmitProofInput } from "./schemas";
import type { ProofService } from "./service";
import { readDeliveryProof, type DeliveryProofView } from "./view";

/**
 * The trip's driver hands in its proof of delivery: a photo and a signature uploaded for
 * this trip and the recipient's name. Only while the load is in transit; handing it in
 * again (a retake, a retry) replaces the earlier one. The trip row is locked, so a proof
 * and the completion it allows cannot cross.
 */
export async function submitProof(db: Database, proofs: ProofService, driverId: number, input: SubmitProofInput): Promise<DeliveryProofView> {
  const trip = await withTransaction(db, async (tx) => {
    const trip = await lockTrip(tx, input.tripId);
    if (trip?.driverId !== driverId) throw notFound("Trip");
    if (!proofRequired(trip.kind)) throw new TRPCError({ code: "BAD_REQUEST", message: "A ride needs no proof of delivery" });
    if (trip.status !== "in_progress") {
      throw new TRPCError({ code: "CONFLICT", message: "Proof of delivery is handed in at the dropoff, while the load is in transit" });
    }
    const files = await tx
      .select({ id: proofFiles.id, tripId: proofFiles.tripId, kind: proofFiles.kind })
      .from(proofFiles)
      .where(inArray(proofFiles.id, [input.photoFileId, input.signatureFileId]));
    const fileOf = (id: number) => files.find((file) => file.id === id && file.tripId === trip.id);
    if (fileOf(input.photoFileId)?.kind !== "photo") {
      throw new TRPCError({ code: "BAD_REQUEST", message: "photoFileId must be a photo uploaded for this load" });
    }
    if (fileOf(input.signatureFileId)?.kind !== "signature") {
      throw new TRPCError({ code: "BAD_REQUEST", message: "signatureFileId must be a signature uploaded for this load" });
    }
    const values = {
      driverId,
      recipientName: input.recipientName,
      photoFileId: input.photoFileId,
      signatureFileId: input.signatureFileId,
      capturedAt: new Date(),
    };
    await tx
      .insert(deliveryProofs)
      .values({ tripId: trip.id, ...values })
      .onDuplicateKeyUpdate({ set: values });
    return trip;
  });
  return readDeliveryProof(db, proofs.signer, trip);
}
