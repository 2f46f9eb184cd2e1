import { z } from "zod";
import { proofFileKinds, type TripKind } from "@convoy/db/schema";
import { idSchema } from "../lib/validation";

/** Largest proof image accepted, in bytes (10 MiB); a bigger upload is refused with 413 while it streams. */
export const MAX_PROOF_FILE_BYTES = 10 * 1024 * 1024;
/** Longest recipient name, in characters. */
export const MAX_RECIPIENT_NAME_LENGTH = 100;
/** Where a driver uploads a proof image: `POST /proofs/upload?tripId=…&kind=photo|signature`, body the image. */
export const PROOF_UPLOAD_PATH = "/proofs/upload";
/** Where signed proof file URLs point: `/proofs/files/<id>?expires=…&signature=…`. */
export const PROOF_FILES_PATH = "/proofs/files/";

/**
 * Whether completing a trip of `kind` needs proof of delivery. A load is freight handed to
 * someone who signs for it; a ride's passenger is the proof of their own arrival.
 */
export function proofRequired(kind: TripKind): boolean {
  return kind === "load";
}

/** The query of an upload: which trip, and whether it is the photo or the signature. */
export const proofUploadQuerySchema = z.object({
  tripId: z.coerce.number().pipe(idSchema),
  kind: z.enum(proofFileKinds, { error: `kind must be one of ${proofFileKinds.join(", ")}` }),
});
export type ProofUploadQuery = z.infer<typeof proofUploadQuerySchema>;

/** The driver hands in the proof: two uploaded files of the trip and who received the goods. */
export const submitProofInputSchema = z.object({
  tripId: idSchema,
  recipientName: z
    .string()
    .trim()
    .min(1, "give the name of the person who received the delivery")
    .max(MAX_RECIPIENT_NAME_LENGTH, `recipientName must be at most ${MAX_RECIPIENT_NAME_LENGTH} characters`),
  photoFileId: idSchema,
  signatureFileId: idSchema,
});
export type SubmitProofInput = z.infer<typeof submitProofInputSchema>;

/** A dispatcher lets a load be delivered without proof, saying why (the trip's history keeps it). */
export const waiveProofInputSchema = z.object({
  tripId: idSchema,
  reason: z.string().trim().min(1, "say why the delivery needs no proof").max(255, "reason must be at most 255 characters"),
});
export type WaiveProofInput = z.infer<typeof waiveProofInputSchema>;
