import type { TRPCError } from "@trpc/server";
import { and, asc, type DbOrTx, eq, inArray, type Offer, type OfferRecipient, offerRecipients, offers, sql } from "@convoy/db";
import { conflict } from "../lib/errors";
import type { Tx } from "../lib/transaction";
import { ACTIVE_RECIPIENT_STATUSES } from "./recipientStates";
import type { OfferViewer } from "./views";

/**
 * "Now" for offer deadlines is the database clock in UTC (DATETIME columns hold UTC), so
 * every server instance agrees on when an offer expired. UTC_TIMESTAMP rather than NOW()
 * keeps that true on a MySQL whose session time zone is not UTC.
 */
export const DB_NOW_SQL = "UTC_TIMESTAMP(3)";
/** `DB_NOW_SQL` for the query builder. */
export const DB_NOW = sql.raw(DB_NOW_SQL);

export interface LockedOffer {
  offer: Offer;
  /** True once `expires_at` has passed by the database clock, whatever the status says. */
  pastExpiry: boolean;
}

/**
 * Reads an offer under a row lock, with its deadline judged by the database clock. Every
 * write that touches an offer or its recipients locks the offer row first, so writers on
 * one offer queue up in one order and cannot deadlock each other.
 */
export async function lockOffer(tx: Tx, offerId: number): Promise<LockedOffer | null> {
  const [row] = await tx
    .select({ offer: offers, pastExpiry: sql<boolean>`${offers.expiresAt} <= ${DB_NOW}`.mapWith((v) => Number(v) === 1) })
    .from(offers)
    .where(eq(offers.id, offerId))
    .for("update");
  return row ?? null;
}

/** One driver's recipient row, optionally under a row lock (inside a transaction). */
export async function findRecipient(db: DbOrTx, offerId: number, driverId: number, lock = false): Promise<OfferRecipient | null> {
  const query = db
    .select()
    .from(offerRecipients)
    .where(and(eq(offerRecipients.offerId, offerId), eq(offerRecipients.driverId, driverId)))
    .$dynamic();
  const [row] = await (lock ? query.for("update") : query);
  return row ?? null;
}

/**
 * Why nobody can act on this offer any more, as the error `viewer` should get; null while
 * it is open. An offer past its deadline counts as expired even before the sweeper runs.
 */
export function closedOfferError({ offer, pastExpiry }: LockedOffer, viewer: OfferViewer): TRPCError | null {
  switch (offer.status) {
    case "open":
      return pastExpiry ? conflict(`This offer expired at ${offer.expiresAt.toISOString()}`) : null;
    case "expired":
      return conflict(`This offer expired at ${offer.expiresAt.toISOString()}`);
    case "cancelled":
      return conflict("The dispatcher cancelled this offer");
    case "accepted":
    case "completed":
      if (viewer.role === "dispatcher") return conflict(`This offer was already accepted by driver ${offer.acceptedDriverId ?? "?"}`);
      return offer.acceptedDriverId === viewer.userId ? conflict("You already won this offer") : conflict("Another driver already won this offer");
  }
}

/** The drivers of an offer who have not given a final answer (sent, viewed or countered), in the order they were offered it. */
export async function driversStillInPlay(tx: Tx, offerId: number): Promise<number[]> {
  const rows = await tx
    .select({ driverId: offerRecipients.driverId })
    .from(offerRecipients)
    .where(and(eq(offerRecipients.offerId, offerId), inArray(offerRecipients.status, [...ACTIVE_RECIPIENT_STATUSES])))
    .orderBy(asc(offerRecipients.id));
  return rows.map((row) => row.driverId);
}
