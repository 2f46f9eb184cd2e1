import { getTableName } from "drizzle-orm";
import { and, drivers, eq, type OfferKind, offerRecipients, offers, users } from "@convoy/db";
import { commitWithEvents, type Emit } from "../events/commit";
import { badRequest, conflict, isDuplicateEntry } from "../lib/errors";
import { haversineKm } from "../lib/geo";
import { deferWrite, selectRows, utcDatetimeOf, writeRows } from "../lib/rawStatements";
import { sqlInsertHead, sqlNumber, sqlString, sqlUtcDatetime } from "../lib/sqlLiterals";
import type { Tx } from "../lib/transaction";
import type { OfferDeps } from "./deps";
import { DB_NOW_SQL } from "./guards";
import { offerEvent, offerOwner } from "./offerEvents";
import { getOfferDetail } from "./queries";
import type { CreateOfferInput } from "./schemas";
import type { OfferDetail, OfferSummary, Place, RecipientView } from "./views";

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

const INSERT_OFFER_HEAD = sqlInsertHead(offers, [
  offers.createdBy,
  offers.kind,
  offers.tripId,
  offers.pickupAddress,
  offers.pickupLat,
  offers.pickupLng,
  offers.dropoffAddress,
  offers.dropoffLat,
  offers.dropoffLng,
  offers.weightKg,
  offers.lengthCm,
  offers.widthCm,
  offers.heightCm,
  offers.distanceKm,
  offers.rateCents,
  offers.notes,
  offers.status,
  offers.expiresAt,
  offers.idempotencyKey,
  offers.createdAt,
]);

/**
 * What an offer's summary needs besides its spec, read earlier in the transaction: the
 * creator's name, and "now" by the database clock (UTC_TIMESTAMP(3), see `DB_NOW`), from
 * which the offer's creation time and deadline are written.
 */
export interface OfferStamp {
  creatorName: string;
  /** Epoch ms. */
  dbNowMs: number;
}

/** The creator's name and the database clock, for an offer whose drivers were found otherwise (a ride's wave). */
export async function readOfferStamp(tx: Tx, createdBy: number): Promise<OfferStamp> {
  const [row] = await selectRows<{ name: string; now: string }>(
    tx,
    `SELECT name, ${DB_NOW_SQL} AS now FROM users WHERE id = ${sqlNumber(createdBy)}`,
  );
  if (!row) throw new Error(`offer creator ${createdBy} does not exist`);
  return { creatorName: row.name, dbNowMs: utcDatetimeOf(row.now).getTime() };
}

/**
 * The offer's row as one INSERT of literals. `createdAtSql` is when it was created by the
 * database clock (a literal, or the user variable a load's create reads the clock into); the
 * deadline is `expiresInSeconds` after it.
 */
function insertOfferStatement(spec: NewOfferSpec, distanceKm: number, createdAtSql: string): string {
  return (
    INSERT_OFFER_HEAD +
    `(${sqlNumber(spec.createdBy)},${sqlString(spec.kind)},${sqlNumber(spec.tripId)},` +
    `${sqlString(spec.pickup.address)},${sqlNumber(spec.pickup.lat)},${sqlNumber(spec.pickup.lng)},` +
    `${sqlString(spec.dropoff.address)},${sqlNumber(spec.dropoff.lat)},${sqlNumber(spec.dropoff.lng)},` +
    `${sqlNumber(spec.weightKg)},${sqlNumber(spec.dimensions.lengthCm)},${sqlNumber(spec.dimensions.widthCm)},${sqlNumber(spec.dimensions.heightCm)},` +
    `${sqlNumber(distanceKm)},${sqlNumber(spec.rateCents)},${sqlString(spec.notes)},'open',` +
    `${createdAtSql} + INTERVAL ${sqlNumber(spec.expiresInSeconds)} SECOND,` +
    `${spec.idempotencyKey === undefined ? "NULL" : sqlString(spec.idempotencyKey)},${createdAtSql})`
  );
}

const distanceOf = (spec: NewOfferSpec) => Math.round(haversineKm(spec.pickup, spec.dropoff) * 1_000) / 1_000;

/**
 * Inserts an offer and one recipient row per driver inside the caller's transaction and
 * emits `offer.created` for the owner (a load's dispatcher; see `offerOwner`) and
 * `offer.received` for each driver. The deadline runs from `stamp.dbNowMs`, the database
 * clock; the distance is great-circle km. The caller has checked the driver ids.
 */
export async function insertOffer(tx: Tx, emit: Emit, spec: NewOfferSpec, stamp: OfferStamp): Promise<OfferSummary> {
  const distanceKm = distanceOf(spec);
  const { insertId } = await writeRows(tx, insertOfferStatement(spec, distanceKm, sqlUtcDatetime(stamp.dbNowMs)));
  return sendInsertedOffer(tx, emit, spec, stamp, distanceKm, insertId);
}

/**
 * What follows an offer's INSERT: its recipient rows (sent with the event INSERT and the
 * COMMIT) and its events, and the offer's summary.
 *
 * The summary is built from what was written, not read back: every column holds exactly
 * the value given (coordinates and the distance are DOUBLE, which stores a JS number
 * exactly; times are whole milliseconds, as DATETIME(3) keeps them).
 */
function sendInsertedOffer(tx: Tx, emit: Emit, spec: NewOfferSpec, stamp: OfferStamp, distanceKm: number, id: number): OfferSummary {
  if (!Number.isSafeInteger(id) || id < 1) throw new Error(`offer insert returned id ${id}`);
  void deferWrite(tx, insertRecipientsStatement(id, spec.driverIds));

  const expiresAtMs = stamp.dbNowMs + spec.expiresInSeconds * 1_000;
  const offer: OfferSummary = {
    id,
    kind: spec.kind,
    dispatcher: { id: spec.createdBy, name: stamp.creatorName },
    pickup: { address: spec.pickup.address, lat: spec.pickup.lat, lng: spec.pickup.lng },
    dropoff: { address: spec.dropoff.address, lat: spec.dropoff.lat, lng: spec.dropoff.lng },
    weightKg: spec.weightKg,
    dimensions: { lengthCm: spec.dimensions.lengthCm, widthCm: spec.dimensions.widthCm, heightCm: spec.dimensions.heightCm },
    distanceKm,
    rateCents: spec.rateCents,
    notes: spec.notes,
    expiresAt: new Date(expiresAtMs).toISOString(),
    createdAt: new Date(stamp.dbNowMs).toISOString(),
  };
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
 * The drivers among `driverIds`, with what a recipient row shows of them, and the offer's
 * stamp (the dispatcher's name and the database clock, `nowSql`: the variable the offer's
 * INSERT read it from) in the same statement. Written as
 * literals (they are validated integers): the query builder's IN list of up to 1,000
 * parameters cost milliseconds per offer. The stamp is null when no id is a driver.
 */
async function knownDrivers(
  tx: Tx,
  dispatcherId: number,
  driverIds: readonly number[],
  nowSql: string,
): Promise<{ known: Map<number, KnownDriver>; stamp: OfferStamp | null }> {
  const rows = await selectRows<Omit<KnownDriver, "driverId"> & { driverId: number | string; creatorName: string; now: string }>(
    tx,
    `SELECT d.\`${drivers.userId.name}\` AS driverId, u.\`${users.name.name}\` AS driverName, d.\`${drivers.vehicleType.name}\` AS vehicleType, ` +
      `(SELECT c.\`${users.name.name}\` FROM \`${getTableName(users)}\` c WHERE c.\`${users.id.name}\` = ${sqlNumber(dispatcherId)}) AS creatorName, ${nowSql} AS now ` +
      `FROM \`${getTableName(drivers)}\` d JOIN \`${getTableName(users)}\` u ON u.\`${users.id.name}\` = d.\`${drivers.userId.name}\` ` +
      `WHERE d.\`${drivers.userId.name}\` IN (${driverIds.map(sqlNumber).join(",")})`,
  );
  const first = rows[0];
  return {
    // A raw statement gets no column mapping; BIGINT may come back as a string.
    known: new Map(
      rows.map((row) => [Number(row.driverId), { driverId: Number(row.driverId), driverName: row.driverName, vehicleType: row.vehicleType }]),
    ),
    stamp: first ? { creatorName: first.creatorName, dbNowMs: utcDatetimeOf(first.now).getTime() } : null,
  };
}

/**
 * The caller's rate limit for creates: `spend` refuses with TOO_MANY_REQUESTS, `refund`
 * gives a spent point back.
 */
export interface CreateBudget {
  spend: () => Promise<void>;
  refund: () => Promise<void>;
}

const UNLIMITED: CreateBudget = { spend: () => Promise.resolve(), refund: () => Promise.resolve() };

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
 * The budget is spent first, so a create costs no lookup of its key: a repeat is refused
 * by the unique (created_by, idempotency_key) index at the offer's INSERT, before anything
 * else is written, and then gets its point back and the first offer. Only when the budget
 * refuses is the key looked up, so a client retrying after a failover at its limit still
 * gets its answer instead of TOO_MANY_REQUESTS.
 */
export async function createOffer(
  deps: OfferDeps,
  dispatcherId: number,
  input: CreateOfferInput,
  budget: CreateBudget = UNLIMITED,
): Promise<OfferDetail> {
  const key = input.idempotencyKey;
  try {
    await budget.spend();
  } catch (error) {
    const first = key === undefined ? null : await offerForKey(deps, dispatcherId, key, input);
    if (first) return first;
    throw error;
  }
  try {
    return await insertLoadOffer(deps, dispatcherId, input);
  } catch (error) {
    if (key === undefined || !isDuplicateEntry(error)) throw error;
    await budget.refund();
    const first = await offerForKey(deps, dispatcherId, key, input);
    if (!first) throw error;
    return first;
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

/** The session variable a load's create reads the database clock into, for its row and its answer alike. */
const CREATED_AT_VARIABLE = "@convoy_offer_created_at";

/**
 * A load offer in two round trips: the clock read into a variable, the offer's INSERT and
 * the drivers' lookup together (the INSERT goes first; unknown drivers then roll it back),
 * and the recipients and events with the COMMIT.
 */
async function insertLoadOffer(deps: OfferDeps, dispatcherId: number, input: CreateOfferInput): Promise<OfferDetail> {
  return commitWithEvents(deps, async (tx, emit) => {
    const spec: NewOfferSpec = { ...input, createdBy: dispatcherId, kind: "load", tripId: null };
    const distanceKm = distanceOf(spec);
    // As text: a user variable keeps a DATETIME as a number, and a double loses its milliseconds.
    void deferWrite(tx, `SET ${CREATED_AT_VARIABLE} = CAST(${DB_NOW_SQL} AS CHAR)`);
    const inserted = deferWrite(tx, insertOfferStatement(spec, distanceKm, CREATED_AT_VARIABLE));
    const { known, stamp } = await knownDrivers(tx, dispatcherId, input.driverIds, CREATED_AT_VARIABLE);
    const unknown = input.driverIds.filter((id) => !known.has(id));
    if (unknown.length > 0 || !stamp) {
      throw badRequest(`Unknown driver id${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`);
    }
    const offer = sendInsertedOffer(tx, emit, spec, stamp, distanceKm, (await inserted).insertId);
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
