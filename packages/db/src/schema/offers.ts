import { mysqlTable, char, varchar, mysqlEnum, int, double, index, uniqueIndex, type AnyMySqlColumn } from "drizzle-orm/mysql-core";
import { primaryId, createdAt, idRef, utcTime, coordinate } from "./columns";
import { users, drivers } from "./users";
// offers and trips reference each other; the lazy `references(() => …)` reads the other
// table only after both modules have loaded, which is Drizzle's way for a two-way key.
// eslint-disable-next-line import-x/no-cycle
import { trips } from "./trips";

export const offerKinds = ["load", "ride"] as const;
export type OfferKind = (typeof offerKinds)[number];

export const offerStatuses = ["open", "accepted", "cancelled", "expired", "completed"] as const;
export type OfferStatus = (typeof offerStatuses)[number];

export const recipientStatuses = ["sent", "viewed", "accepted", "rejected", "countered", "lost", "withdrawn"] as const;
export type RecipientStatus = (typeof recipientStatuses)[number];

/** Money is integer cents everywhere: no float rounding in rates or fares. */
export const offers = mysqlTable(
  "offers",
  {
    id: primaryId(),
    createdBy: idRef("created_by")
      .notNull()
      .references(() => users.id),
    kind: mysqlEnum("kind", offerKinds).notNull(),
    tripId: idRef("trip_id").references((): AnyMySqlColumn => trips.id),
    pickupAddress: varchar("pickup_address", { length: 255 }).notNull(),
    pickupLat: coordinate("pickup_lat").notNull(),
    pickupLng: coordinate("pickup_lng").notNull(),
    dropoffAddress: varchar("dropoff_address", { length: 255 }).notNull(),
    dropoffLat: coordinate("dropoff_lat").notNull(),
    dropoffLng: coordinate("dropoff_lng").notNull(),
    weightKg: int("weight_kg").notNull().default(0),
    lengthCm: int("length_cm").notNull().default(0),
    widthCm: int("width_cm").notNull().default(0),
    heightCm: int("height_cm").notNull().default(0),
    distanceKm: double("distance_km").notNull(),
    rateCents: int("rate_cents").notNull(),
    notes: varchar("notes", { length: 2000 }).notNull().default(""),
    status: mysqlEnum("status", offerStatuses).notNull().default("open"),
    expiresAt: utcTime("expires_at").notNull(),
    acceptedDriverId: idRef("accepted_driver_id").references(() => drivers.userId),
    agreedRateCents: int("agreed_rate_cents"),
    /** The dispatcher's key for one "create" (a UUID), so a retried create makes one offer. */
    idempotencyKey: char("idempotency_key", { length: 36 }),
    createdAt: createdAt(),
  },
  (t) => [
    index("offers_created_by_status_idx").on(t.createdBy, t.status, t.id),
    uniqueIndex("offers_created_by_idempotency_key_unique").on(t.createdBy, t.idempotencyKey),
    // The expiry sweeper scans open offers by deadline.
    index("offers_status_expires_idx").on(t.status, t.expiresAt),
    index("offers_trip_idx").on(t.tripId),
  ],
);

export const offerRecipients = mysqlTable(
  "offer_recipients",
  {
    id: primaryId(),
    offerId: idRef("offer_id")
      .notNull()
      .references(() => offers.id, { onDelete: "cascade" }),
    driverId: idRef("driver_id")
      .notNull()
      .references(() => drivers.userId),
    status: mysqlEnum("status", recipientStatuses).notNull().default("sent"),
    counterRateCents: int("counter_rate_cents"),
    viewedAt: utcTime("viewed_at"),
    respondedAt: utcTime("responded_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("offer_recipients_offer_driver_unique").on(t.offerId, t.driverId),
    index("offer_recipients_driver_offer_idx").on(t.driverId, t.offerId),
  ],
);
