import { alias } from "drizzle-orm/mysql-core";
import { and, type DbOrTx, deliveryProofs, desc, eq, proofFiles, type ProofImageType, type Trip, tripHistory, users } from "@convoy/db";
import { proofRequired } from "./schemas";
import type { ProofUrlSigner } from "./signedUrls";

/** One proof image as a viewer gets it: a signed link that works for minutes. */
export interface ProofFileLink {
  fileId: number;
  contentType: ProofImageType;
  /** Relative to the server's origin; needs no token (see `ProofUrlSigner`). */
  url: string;
  /** ISO time after which `url` is refused; ask `proofs.forTrip` again for a fresh one. */
  expiresAt: string;
}

/** A trip's proof of delivery as its driver, rider and dispatcher see it. Times are ISO strings. */
export interface DeliveryProofView {
  tripId: number;
  /** Whether completing this trip needs proof (loads do, rides do not). */
  required: boolean;
  proof: {
    recipientName: string;
    capturedAt: string;
    driver: { id: number; name: string };
    photo: ProofFileLink;
    signature: ProofFileLink;
  } | null;
  /** The dispatcher's waiver, when one let the trip be completed without proof. */
  waiver: { reason: string; at: string; by: { id: number; name: string } | null } | null;
}

const photos = alias(proofFiles, "photo_file");
const signatures = alias(proofFiles, "signature_file");
const waivers = alias(users, "waiver_user");

/**
 * `trip`'s proof and waiver, with freshly signed links to its images. The caller has
 * checked that the viewer may see them (`tripForProofViewer`).
 */
export async function readDeliveryProof(db: DbOrTx, signer: ProofUrlSigner, trip: Trip): Promise<DeliveryProofView> {
  const [[row], [waived]] = await Promise.all([
    db
      .select({ proof: deliveryProofs, driverName: users.name, photo: photos, signature: signatures })
      .from(deliveryProofs)
      .innerJoin(users, eq(users.id, deliveryProofs.driverId))
      .innerJoin(photos, eq(photos.id, deliveryProofs.photoFileId))
      .innerJoin(signatures, eq(signatures.id, deliveryProofs.signatureFileId))
      .where(eq(deliveryProofs.tripId, trip.id)),
    db
      .select({ entry: tripHistory, name: waivers.name })
      .from(tripHistory)
      .leftJoin(waivers, eq(waivers.id, tripHistory.actorId))
      .where(and(eq(tripHistory.tripId, trip.id), eq(tripHistory.type, "proof_waived")))
      .orderBy(desc(tripHistory.id))
      .limit(1),
  ]);
  const link = (file: typeof proofFiles.$inferSelect): ProofFileLink => ({
    fileId: file.id,
    contentType: file.contentType,
    ...signer.sign(file.id),
  });
  return {
    tripId: trip.id,
    required: proofRequired(trip.kind),
    proof: row
      ? {
          recipientName: row.proof.recipientName,
          capturedAt: row.proof.capturedAt.toISOString(),
          driver: { id: row.proof.driverId, name: row.driverName },
          photo: link(row.photo),
          signature: link(row.signature),
        }
      : null,
    waiver: waived
      ? {
          reason: waived.entry.reason ?? "",
          at: waived.entry.createdAt.toISOString(),
          by: waived.entry.actorId === null ? null : { id: waived.entry.actorId, name: waived.name ?? "" },
        }
      : null,
  };
}
