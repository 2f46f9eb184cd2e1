import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { count, type Database, eq, proofFiles, type ProofImageType, type Trip, trips } from "@convoy/db";
import { notFound } from "../lib/errors";
import { IMAGE_EXTENSIONS, sniffImageType } from "./imageType";
import { proofRequired, type ProofUploadQuery } from "./schemas";
import type { ProofService } from "./service";

/** A stored proof image, as the upload answers it. */
export interface UploadedProofFile {
  fileId: number;
  kind: ProofUploadQuery["kind"];
  contentType: ProofImageType;
  byteSize: number;
}

/**
 * Checks, before any byte of the body is read, that `driverId` may add a `query.kind`
 * image to the trip: it is their trip, a kind that needs proof, out for delivery
 * (`in_progress`), and short of the per-trip file limit. Throws the TRPCError to answer.
 */
export async function checkProofUpload(db: Database, proofs: ProofService, driverId: number, query: ProofUploadQuery): Promise<Trip> {
  const [trip] = await db.select().from(trips).where(eq(trips.id, query.tripId));
  if (trip?.driverId !== driverId) throw notFound("Trip");
  if (!proofRequired(trip.kind)) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "A ride needs no proof of delivery; only loads take photos and signatures" });
  }
  if (trip.status !== "in_progress") {
    throw new TRPCError({ code: "CONFLICT", message: "Proof of delivery is taken at the dropoff, while the load is in transit" });
  }
  const [stored] = await db.select({ n: count() }).from(proofFiles).where(eq(proofFiles.tripId, trip.id));
  if ((stored?.n ?? 0) >= proofs.maxFilesPerTrip) {
    throw new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: `This load already has ${proofs.maxFilesPerTrip} proof images, the most one load may have; ask dispatch if you need more`,
    });
  }
  return trip;
}

/**
 * Stores an uploaded image for the trip `checkProofUpload` passed. Its type is sniffed from
 * its bytes (JPEG, PNG or WebP; anything else is UNSUPPORTED_MEDIA_TYPE), whatever the
 * client said; the bytes go to the store under a random key and the row records the sniffed
 * type, which is the only type the file is ever served with. A store that fails or refuses
 * is SERVICE_UNAVAILABLE (the cause is for the server's log).
 */
export async function storeProofFile(
  db: Database,
  proofs: ProofService,
  driverId: number,
  trip: Trip,
  kind: ProofUploadQuery["kind"],
  bytes: Uint8Array,
): Promise<UploadedProofFile> {
  const contentType = sniffImageType(bytes);
  if (!contentType) {
    throw new TRPCError({ code: "UNSUPPORTED_MEDIA_TYPE", message: "Only JPEG, PNG and WebP images are accepted; this file is not one" });
  }
  const storageKey = `proofs/${trip.id}/${kind}-${randomBytes(16).toString("hex")}.${IMAGE_EXTENSIONS[contentType]}`;
  await proofs.storage.put(storageKey, bytes, contentType).catch((error: unknown) => {
    throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "The image could not be stored right now; try again in a moment", cause: error });
  });
  try {
    const [inserted] = await db
      .insert(proofFiles)
      .values({ tripId: trip.id, kind, uploaderId: driverId, storageKey, contentType, byteSize: bytes.byteLength })
      .$returningId();
    return { fileId: inserted!.id, kind, contentType, byteSize: bytes.byteLength };
  } catch (error) {
    // No row names the object: take it back out of the store.
    await proofs.storage.delete(storageKey).catch(() => undefined);
    throw error;
  }
}

/** A proof file by id, with where its bytes are; null when there is none. */
export async function findProofFile(db: Database, fileId: number) {
  const [file] = await db
    .select({ storageKey: proofFiles.storageKey, contentType: proofFiles.contentType, byteSize: proofFiles.byteSize })
    .from(proofFiles)
    .where(eq(proofFiles.id, fileId));
  return file ?? null;
}
