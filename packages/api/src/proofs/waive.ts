import { TRPCError } from "@trpc/server";
import { and, type Database, eq, tripHistory } from "@convoy/db";
import { notFound } from "../lib/errors";
import { withTransaction } from "../lib/transaction";
import { lockTrip } from "../trips/status";
import type { TripViewer } from "../trips/views";
import { tripForProofViewer } from "./access";
import { proofRequired, type WaiveProofInput } from "./schemas";
import type { ProofService } from "./service";
import { readDeliveryProof, type DeliveryProofView } from "./view";

/**
 * The load's dispatcher lets it be completed without proof of delivery (the recipient was
 * not there, the phone's camera broke), saying why. The waiver is a `proof_waived` entry in
 * the trip's history with the dispatcher and the reason. Waiving a load already waived
 * changes nothing; a load already completed or cancelled is CONFLICT.
 */
export async function waiveProof(db: Database, proofs: ProofService, dispatcher: TripViewer, input: WaiveProofInput): Promise<DeliveryProofView> {
  const trip = await withTransaction(db, async (tx) => {
    if (!(await tripForProofViewer(tx, dispatcher, input.tripId))) throw notFound("Trip");
    const trip = await lockTrip(tx, input.tripId);
    if (!trip) throw notFound("Trip");
    if (!proofRequired(trip.kind)) throw new TRPCError({ code: "BAD_REQUEST", message: "A ride needs no proof of delivery to waive" });
    if (trip.status === "completed" || trip.status === "cancelled") {
      throw new TRPCError({ code: "CONFLICT", message: `This load is already ${trip.status}; there is nothing to waive` });
    }
    const [waived] = await tx
      .select({ id: tripHistory.id })
      .from(tripHistory)
      .where(and(eq(tripHistory.tripId, trip.id), eq(tripHistory.type, "proof_waived")))
      .limit(1);
    if (!waived) await tx.insert(tripHistory).values({ tripId: trip.id, type: "proof_waived", actorId: dispatcher.userId, reason: input.reason });
    return trip;
  });
  return readDeliveryProof(db, proofs.signer, trip);
}
