import { mysqlTable, varchar, mysqlEnum, int, index, uniqueIndex } from "drizzle-orm/mysql-core";
import { primaryId, createdAt, idRef, utcTime } from "./columns";
import { trips } from "./trips";
import { users } from "./users";

/** What a proof-of-delivery file shows: the goods handed over, or the recipient's signature. */
export const proofFileKinds = ["photo", "signature"] as const;
export type ProofFileKind = (typeof proofFileKinds)[number];

/** The image types a proof file may have, as sniffed from its first bytes (never as the client said). */
export const proofImageTypes = ["image/jpeg", "image/png", "image/webp"] as const;
export type ProofImageType = (typeof proofImageTypes)[number];

/**
 * Images a driver uploaded for a trip's proof of delivery. The bytes live in object storage
 * under `storage_key`; `content_type` is the type the server sniffed and serves them with.
 * Rows are only ever inserted.
 */
export const proofFiles = mysqlTable(
  "proof_files",
  {
    id: primaryId(),
    tripId: idRef("trip_id")
      .notNull()
      .references(() => trips.id),
    kind: mysqlEnum("kind", proofFileKinds).notNull(),
    uploaderId: idRef("uploader_id")
      .notNull()
      .references(() => users.id),
    storageKey: varchar("storage_key", { length: 200 }).notNull(),
    contentType: mysqlEnum("content_type", proofImageTypes).notNull(),
    byteSize: int("byte_size").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("proof_files_storage_key_unique").on(t.storageKey), index("proof_files_trip_idx").on(t.tripId, t.id)],
);

/**
 * A trip's proof of delivery: the photo, the signature and the name of who received the
 * goods, one per trip. The driver may capture it again until the trip is completed; the
 * newest capture replaces the row.
 */
export const deliveryProofs = mysqlTable(
  "delivery_proofs",
  {
    id: primaryId(),
    tripId: idRef("trip_id")
      .notNull()
      .references(() => trips.id),
    driverId: idRef("driver_id")
      .notNull()
      .references(() => users.id),
    recipientName: varchar("recipient_name", { length: 100 }).notNull(),
    photoFileId: idRef("photo_file_id")
      .notNull()
      .references(() => proofFiles.id),
    signatureFileId: idRef("signature_file_id")
      .notNull()
      .references(() => proofFiles.id),
    capturedAt: utcTime("captured_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("delivery_proofs_trip_unique").on(t.tripId)],
);
