import { getTableName } from "drizzle-orm";
import { and, drivers, eq, type OfferKind, offerRecipients, offers, sql, users } from "@convoy/db";
import { commitWithEvents, type Emit } from "../events/commit";
import { badRequest, conflict, isDuplicateEntry } from "../lib/errors";
import { haversineKm } from "../lib/geo";
import { sqlInsertHead, sqlNumber } from "../lib/sqlLiterals";
import type { Tx } from "../lib/transaction";
import type { OfferDeps } from "./deps";
import { DB_NOW } from "./guards";
import { offerEvent, offerOwner } from "./offerEvents";
import { getOfferDetail, selectOfferRow } from "./queries";
import type { CreateOfferInput } from "./schemas";
import { toOfferSummary, type OfferDetail, type OfferSummary, type Place, type RecipientView } from "./views";

/** Everything an offer is made of, whoever makes it: a dispatcher's load or a rider's ride. */
export interface NewOfferSpec {
  /** The dispatcher (load) or the rider (ride). */
  createdBy: number;
  kind: OfferKind;
  /** The rider's trip, for a ride offer; null for a load. */
  tripId: number | null;
  pickup: Place;
  dropoff: Place;
  /** Kilograms; 0 for a ride. */
  weightKg: number;
  /** Centimetres; all 0 for a ride. */
  dimensions: { lengthCm: number; widthCm: number; heightCm: number };
  /** Integer cents. */
  rateCents: number;
  notes: string;
  /** Seconds from now, by the database clock. */
  expiresInSeconds: number;
  /** Known driver ids, no repeats, at least one. */
  driverIds: readonly number[];
  /** The creator's key for this create, if they sent one; see `createOffer`. */
  idempotencyKey?: string | undefined;
}

const INSERT_RECIPIENTS_HEAD = sqlInsertHead(offerRecipients, [offerRecipients.offerId, offerRecipients.driverId]);

/**
 * The offer's recipient rows (status defaults to `sent`) as one string of literals: an
 * offer may go to 1,000 drivers, and the query builder spent ~10 ms on 500 rows.
 */
function insertRecipientsStatement(offerId: number, driverIds: readonly number[]): string {
  return INSERT_RECIPIENTS_HEAD + driverIds.map((driverId) => `(${sqlNumber(offerId)},${sqlNumber(driverId)})`).join(",");
}

/**
 * Inserts an offer and one recipient row per driver inside the caller's transaction and
 * emits `offer.created` for the owner (a load's dispatcher; see `offerOwner`) and
 * `offer.received` for each driver. The deadline is set by the database clock; the
 * distance is great-circle km. The caller has checked the driver ids.
 */
export async function insertOffer(tx: Tx, emit: Emit, spec: NewOfferSpec): Promise<OfferSummary> {
  const distanceKm = Math.round(haversineKm(spec.pickup, spec.dropoff) * 1_000) / 1_000;
  const [inserted] = await tx
    .insert(offers)
    .values({
      createdBy: spec.createdBy,
      kind: spec.kind,
      tripId: spec.tripId,
      pickupAddress: spec.pickup.address,
      pickupLat: spec.pickup.lat,
      pickupLng: spec.pickup.lng,
      dropoffAddress: spec.dropoff.address,
      dropoffLat: spec.dropoff.lat,
      dropoffLng: spec.dropoff.lng,
      weightKg: spec.weightKg,
      lengthCm: spec.dimensions.lengthCm,
      widthCm: spec.dimensions.widthCm,
      heightCm: spec.dimensions.heightCm,
      distanceKm,
      rateCents: spec.rateCents,
      notes: spec.notes,
      status: "open",
      expiresAt: sql`DATE_ADD(${DB_NOW}, INTERVAL ${spec.expiresInSeconds} SECOND)`,
      idempotencyKey: spec.idempotencyKey ?? null,
    })
    .$returningId();
  if (!inserted) throw new Error("offer insert returned no id");
  const id = inserted.id;

  await tx.execute(sql.raw(insertRecipientsStatement(id, spec.driverIds)));

  const row = await selectOfferRow(tx, id);
  if (!row) throw new Error("offer vanished inside its own transaction");
  const offer = toOfferSummary(row);
  const dispatcherId = offerOwner(spec);
  if (dispatcherId !== undefined) {
    emit(offerEvent(id, { dispatcherId }, { type: "offer.created", offer, driverIds: [...spec.driverIds] }));
  }
  // One payload object for every driver's row, so the log stores it once (see `appendEvents`).
  const received = offerEvent(id, {}, { type: "offer.received", offer });
  for (const driverId of spec.driverIds) emit({ ...received, driverId });
  return offer;
}

/** What the dispatcher's view of a new offer shows of each recipient. */
type KnownDriver = Pick<RecipientView, "driverId" | "driverName" | "vehicleType">;

/**
 * The drivers among `driverIds`, with what a recipient row shows of them. Written as
 * literals (they are validated integers): the query builder's IN list of up to 1,000
 * parameters cost milliseconds per offer.
 */
async function knownDrivers(tx: Tx, driverIds: readonly number[]): Promise<Map<number, KnownDriver>> {
  const [rows] = (await tx.execute(
    sql.raw(
      `SELECT d.\`${drivers.userId.name}\` AS driverId, u.\`${users.name.name}\` AS driverName, d.\`${drivers.vehicleType.name}\` AS vehicleType ` +
        `FROM \`${getTableName(drivers)}\` d JOIN \`${getTableName(users)}\` u ON u.\`${users.id.name}\` = d.\`${drivers.userId.name}\` ` +
        `WHERE d.\`${drivers.userId.name}\` IN (${driverIds.map(sqlNumber).join(",")})`,
    ),
  )) as unknown as [(Omit<KnownDriver, "driverId"> & { driverId: number | string })[]];
  // A raw statement gets no column mapping; BIGINT may come back as a string.
  return new Map(rows.map((row) => [Number(row.driverId), { ...row, driverId: Number(row.driverId) }]));
}

/**
 * Creates a load offer and sends it to every driver in `input.driverIds`, in one
 * transaction with its events: `offer.created` for the dispatcher and `offer.received`
 * for each driver. An id that is not a driver is refused by name and nothing is written.
 *
 * Returns the offer as it was committed, built from what the transaction wrote rather than
 * read back: an offer to 500 drivers would otherwise read 500 recipient rows again while
 * their `offer.received` events are going out.
 *
 * With an `idempotencyKey`, a repeat of the same create (a retry after a lost answer, even
 * one racing the first) returns the offer the first one made and sends nothing again; the
 * key on a different offer is a CONFLICT.
 *
 * `spendBudget` (the caller's rate limit) runs before anything is written, and not at all
 * for a retry whose offer is already stored: a client retrying after a failover gets its
 * answer instead of TOO_MANY_REQUESTS.
 */
export async function createOffer(
  deps: OfferDeps,
  dispatcherId: number,
  input: CreateOfferInput,
  spendBudget: () => Promise<void> = () => Promise.resolve(),
): Promise<OfferDetail> {
  const key = input.idempotencyKey;
  if (key !== undefined) {
    // One indexed read, only for keyed creates: a retry is answered before it costs budget.
    const first = await offerForKey(deps, dispatcherId, key, input);
    if (first) return first;
  }
  await spendBudget();
  // A retry racing the first create is refused by the unique (created_by, idempotency_key)
  // index at the offer's INSERT, before anything else is written; then the first is read.
  try {
    return await insertLoadOffer(deps, dispatcherId, input);
  } catch (error) {
    if (key === undefined || !isDuplicateEntry(error)) throw error;
    const winner = await offerForKey(deps, dispatcherId, key, input);
    if (!winner) throw error;
    return winner;
  }
}

/** The offer this dispatcher already made with `key`, if any; CONFLICT if it is not this one. */
async function offerForKey(deps: OfferDeps, dispatcherId: number, key: string, input: CreateOfferInput): Promise<OfferDetail | null> {
  const [row] = await deps.db
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.createdBy, dispatcherId), eq(offers.idempotencyKey, key)));
  if (!row) return null;
  const detail = await getOfferDetail(deps.db, { userId: dispatcherId, role: "dispatcher" }, row.id);
  if (!detail) return null;
  if (!isSameOffer(detail, input)) {
    throw conflict("This idempotencyKey was already used for a different offer; make a new key for a new offer");
  }
  return detail;
}

/**
 * Whether the stored offer is what `input` asks for: every field the dispatcher filled in,
 * except how long it stays open (its deadline runs from the first create, not a retry).
 */
function isSameOffer(detail: OfferDetail, input: CreateOfferInput): boolean {
  const samePlace = (stored: Place, asked: Place) => stored.address === asked.address && stored.lat === asked.lat && stored.lng === asked.lng;
  const driverSet = (ids: readonly number[]) => [...ids].sort((a, b) => a - b).join();
  return (
    driverSet(detail.recipients.map((recipient) => recipient.driverId)) === driverSet(input.driverIds) &&
    samePlace(detail.pickup, input.pickup) &&
    samePlace(detail.dropoff, input.dropoff) &&
    detail.weightKg === input.weightKg &&
    detail.dimensions.lengthCm === input.dimensions.lengthCm &&
    detail.dimensions.widthCm === input.dimensions.widthCm &&
    detail.dimensions.heightCm === input.dimensions.heightCm &&
    detail.rateCents === input.rateCents &&
    detail.notes === input.notes
  );
}

async function insertLoadOffer(deps: OfferDeps, dispatcherId: number, input: CreateOfferInput): Promise<OfferDetail> {
  return commitWithEvents(deps, async (tx, emit) => {
    const known = await knownDrivers(tx, input.driverIds);
    const unknown = input.driverIds.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw badRequest(`Unknown driver id${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`);
    }
    const offer = await insertOffer(tx, emit, { ...input, createdBy: dispatcherId, kind: "load", tripId: null });
    return {
      ...offer,
      status: "open",
      acceptedDriverId: null,
      agreedRateCents: null,
      tripId: null,
      recipients: input.driverIds.map((driverId) => ({
        ...known.get(driverId)!,
        status: "sent",
        counterRateCents: null,
        viewedAt: null,
        respondedAt: null,
      })),
    };
  });
}
