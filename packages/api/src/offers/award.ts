import type { TRPCError } from "@trpc/server";
import { and, eq, type Offer, type OfferKind, type RecipientStatus, type Trip, trips, type VehicleType } from "@convoy/db";
import { commitWithEvents, type Emit } from "../events/commit";
import { publishAvailability } from "../tracking/messages";
import { badRequest, conflict, notFound } from "../lib/errors";
import type { Tx } from "../lib/transaction";
import { emitTripEvent, tripEvent } from "../trips/tripEvents";
import { toTripView, type TripView } from "../trips/views";
import type { OfferDeps } from "./deps";
import { affectedRows } from "../lib/affectedRows";
import { formatCents } from "../lib/money";
import { deferWrite, selectRows, utcDatetimeOf, writeRows } from "../lib/rawStatements";
import { sqlInsertHead, sqlNumber, sqlString, sqlUtcDatetime } from "../lib/sqlLiterals";
import { closedOfferError, DB_NOW_SQL, findRecipient, lockOffer } from "./guards";
import { offerEvent, offerOwner } from "./offerEvents";
import { transition } from "./recipientStates";
import type { AcceptCounterInput } from "./schemas";
import { toOfferView, toRecipientView, type OfferDetail, type OfferViewer, type OfferViewRow } from "./views";

/** The outcome of a won offer. */
export interface Award {
  offerId: number;
  driverId: number;
  agreedRateCents: number;
  tripId: number;
}

/** A won offer, with the offer as its winner sees it once the award commits. */
export interface AcceptedOffer extends Award {
  /** What `offers.byId` gives the winning driver after the award, built from what the award read and wrote. */
  winnerView: OfferDetail;
}

/*
 * How an award locks, and why it does not deadlock with the other writers (InnoDB would
 * detect it and `commitWithEvents` retry, but each retry is a whole transaction again):
 *
 * 1. The winner's `drivers` row, by the UPDATE that turns them busy (`markWinnerBusy`). It
 *    comes first because the claim, the trip and the offer point at that row with foreign
 *    keys, whose checks take a shared lock on it: two awards of one driver (winning two
 *    loads at once) taking those first would each hold it shared and both wait to write it.
 *    It is the only driver row an award locks: the losers' "went to another driver" lines
 *    reference their recipient rows, not their drivers' rows.
 * 2. The offer row, by the claim (`claimOffer`): every writer on one offer locks it before
 *    anything else of the offer (see `lockOffer`), so writers on one offer queue there. The
 *    award then reads the recipients without locking them: nobody else writes them while
 *    the offer row is held, and the read is the transaction's first plain read, so it sees
 *    every change committed before the claim got the lock.
 * 3. The recipient rows it changes and the rows it inserts (trip, messages, events), by
 *    primary key or as new rows: no gap locks, so an offer being created, whose recipient
 *    INSERT holds shared locks on its drivers' rows, never waits for an award; an award may
 *    wait for it at step 1. Chat sends lock recipient index entries shared, as the award's
 *    own message INSERT does, and no driver rows.
 *
 * Two awards sharing a winner queue at step 1, and drivers racing for one offer at step 2
 * (each holding only their own driver row); the award ahead needs nothing the others hold.
 */

/**
 * The single point where an offer gets its winner: a conditional UPDATE that only an open,
 * unexpired offer (by the database clock) passes, checked by affected rows. Concurrent
 * claimants queue on the offer's row lock; the first commits, and the rest then match no
 * row. Resolves false for them, and the caller explains why from the row as it now is.
 * `agreedRateCents` null agrees to the offered rate. Sent with the transaction's next
 * statement (`deferWrite`): the award reads the offer in the same round trip.
 */
async function claimOffer(tx: Tx, offerId: number, winnerId: number, agreedRateCents: number | null, onlyCreatedBy?: number): Promise<boolean> {
  const result = await deferWrite(
    tx,
    `UPDATE offers SET status = 'accepted', accepted_driver_id = ${sqlNumber(winnerId)}, ` +
      `agreed_rate_cents = ${agreedRateCents === null ? "rate_cents" : sqlNumber(agreedRateCents)} ` +
      `WHERE id = ${sqlNumber(offerId)} AND status = 'open' AND expires_at > ${DB_NOW_SQL}` +
      (onlyCreatedBy === undefined ? "" : ` AND created_by = ${sqlNumber(onlyCreatedBy)}`),
  );
  return result.affectedRows === 1;
}

/** Why a driver's claim failed, as they should hear it. */
async function claimRefusal(tx: Tx, offerId: number, viewer: OfferViewer): Promise<TRPCError> {
  const locked = await lockOffer(tx, offerId);
  if (!locked) return notFound("Offer");
  return closedOfferError(locked, viewer) ?? conflict("This offer changed while you were accepting it; reload it");
}

/** The parts of an offer an award writes from. */
type AwardedOffer = Pick<
  Offer,
  "id" | "kind" | "createdBy" | "tripId" | "rateCents" | "pickupAddress" | "pickupLat" | "pickupLng" | "dropoffAddress" | "dropoffLat" | "dropoffLng"
>;

interface AwardRecipient {
  id: number;
  driverId: number;
  status: RecipientStatus;
  counterRateCents: number | null;
  viewedAt: Date | null;
  respondedAt: Date | null;
}

/** The offer as its view shows it, less what the award changes (status, winner, rate, trip). */
type OfferBeforeAward = Omit<OfferViewRow, "status" | "acceptedDriverId" | "agreedRateCents" | "tripId">;

/** What a trip view shows of its driver. */
interface WinnerProfile {
  name: string;
  vehicleType: VehicleType;
  ratingSum: number;
  ratingCount: number;
}

interface AwardRead {
  offer: AwardedOffer;
  view: OfferBeforeAward;
  recipients: AwardRecipient[];
  winner: { recipient: AwardRecipient; profile: WinnerProfile } | null;
}

/** One row of `readAward`'s statement: the offer's columns as an offer view names them, and one recipient. */
interface AwardRow extends Pick<
  OfferViewRow,
  | "kind"
  | "dispatcherName"
  | "rateCents"
  | "pickupAddress"
  | "pickupLat"
  | "pickupLng"
  | "dropoffAddress"
  | "dropoffLat"
  | "dropoffLng"
  | "weightKg"
  | "lengthCm"
  | "widthCm"
  | "heightCm"
  | "distanceKm"
  | "notes"
> {
  createdBy: number | string;
  tripId: number | string | null;
  expiresAt: string;
  createdAt: string;
  viewedAt: string | null;
  respondedAt: string | null;
  recipientId: number | string;
  driverId: number | string;
  status: RecipientStatus;
  counterRateCents: number | null;
  winnerName: string | null;
  vehicleType: VehicleType | null;
  ratingSum: number | null;
  ratingCount: number | null;
}

/**
 * The claimed offer, its recipients in the order they were offered it, and the winner's
 * name, vehicle and rating (for the events and the trip view), in one plain read after the
 * claim (see the locking notes above). Null when the offer has no rows, which a claimed
 * offer always has.
 */
async function readAward(tx: Tx, offerId: number, winnerId: number): Promise<AwardRead | null> {
  const rows = await selectRows<AwardRow>(
    tx,
    "SELECT o.kind, o.created_by AS createdBy, c.name AS dispatcherName, o.trip_id AS tripId, o.rate_cents AS rateCents, " +
      "o.pickup_address AS pickupAddress, o.pickup_lat AS pickupLat, o.pickup_lng AS pickupLng, " +
      "o.dropoff_address AS dropoffAddress, o.dropoff_lat AS dropoffLat, o.dropoff_lng AS dropoffLng, " +
      "o.weight_kg AS weightKg, o.length_cm AS lengthCm, o.width_cm AS widthCm, o.height_cm AS heightCm, " +
      "o.distance_km AS distanceKm, o.notes, o.expires_at AS expiresAt, o.created_at AS createdAt, " +
      "r.id AS recipientId, r.driver_id AS driverId, r.status, r.counter_rate_cents AS counterRateCents, " +
      "r.viewed_at AS viewedAt, r.responded_at AS respondedAt, " +
      "u.name AS winnerName, d.vehicle_type AS vehicleType, d.rating_sum AS ratingSum, d.rating_count AS ratingCount " +
      "FROM offers o JOIN users c ON c.id = o.created_by JOIN offer_recipients r ON r.offer_id = o.id " +
      `LEFT JOIN drivers d ON d.user_id = r.driver_id AND r.driver_id = ${sqlNumber(winnerId)} ` +
      "LEFT JOIN users u ON u.id = d.user_id " +
      `WHERE o.id = ${sqlNumber(offerId)} ORDER BY r.id`,
  );
  const first = rows[0];
  if (!first) return null;
  const { kind, rateCents, pickupAddress, pickupLat, pickupLng, dropoffAddress, dropoffLat, dropoffLng } = first;
  const route = { pickupAddress, pickupLat, pickupLng, dropoffAddress, dropoffLat, dropoffLng };
  const createdBy = Number(first.createdBy);
  const offer: AwardedOffer = { id: offerId, kind, createdBy, tripId: first.tripId === null ? null : Number(first.tripId), rateCents, ...route };
  const view: OfferBeforeAward = {
    id: offerId,
    kind,
    createdBy,
    dispatcherName: first.dispatcherName,
    ...route,
    weightKg: first.weightKg,
    lengthCm: first.lengthCm,
    widthCm: first.widthCm,
    heightCm: first.heightCm,
    distanceKm: first.distanceKm,
    rateCents,
    notes: first.notes,
    expiresAt: utcDatetimeOf(first.expiresAt),
    createdAt: utcDatetimeOf(first.createdAt),
  };
  const read: AwardRead = { offer, view, recipients: [], winner: null };
  for (const row of rows) {
    const recipient: AwardRecipient = {
      id: Number(row.recipientId),
      driverId: Number(row.driverId),
      status: row.status,
      counterRateCents: row.counterRateCents,
      viewedAt: row.viewedAt === null ? null : utcDatetimeOf(row.viewedAt),
      respondedAt: row.respondedAt === null ? null : utcDatetimeOf(row.respondedAt),
    };
    read.recipients.push(recipient);
    // Only the winner's row joins their driver row.
    if (row.vehicleType !== null) {
      const profile = { name: row.winnerName ?? "", vehicleType: row.vehicleType, ratingSum: row.ratingSum ?? 0, ratingCount: row.ratingCount ?? 0 };
      read.winner = { recipient, profile };
    }
  }
  return read;
}

/**
 * Turns the winner busy, which locks their driver row first (see the locking notes above).
 * For a ride, refuses a driver who is busy already: a driver carries one rider at a time,
 * and one who is on a trip cannot take a ride offer that reached them before they became
 * busy; the same driver accepting two rides at once is decided one after the other on this
 * row. Loads are not limited this way: a dispatcher may line up several for one driver.
 * Sent with the transaction's next statements (`deferWrite`); resolves once they have run.
 */
async function markWinnerBusy(tx: Tx, driverId: number, kind: OfferKind): Promise<void> {
  const result = await deferWrite(
    tx,
    `UPDATE drivers SET availability = 'busy' WHERE user_id = ${sqlNumber(driverId)}` + (kind === "ride" ? " AND availability <> 'busy'" : ""),
  );
  if (result.affectedRows !== 1) throw conflict("You are on a trip; finish it before accepting another ride");
}

/**
 * The start of every award, in one round trip: the winner turns busy, the offer is claimed
 * for them, and the offer is read as the award needs it (the read sees the claim, and is
 * thrown away when a check fails: the transaction then rolls back). Throws what the busy
 * check refuses; `claimed` false when the claim matched no row.
 */
async function startAward(
  tx: Tx,
  offerId: number,
  winnerId: number,
  kind: OfferKind,
  claim: { agreedRateCents: number | null; onlyCreatedBy?: number },
): Promise<{ claimed: boolean; read: AwardRead | null }> {
  const busy = markWinnerBusy(tx, winnerId, kind);
  const claimed = claimOffer(tx, offerId, winnerId, claim.agreedRateCents, claim.onlyCreatedBy);
  // Both are settled before the read's answer is handled; neither rejects unhandled meanwhile.
  busy.catch(() => undefined);
  claimed.catch(() => undefined);
  const read = await readAward(tx, offerId, winnerId);
  await busy;
  return { claimed: await claimed, read };
}

/**
 * The winner's row becomes `accepted` (answered now when they accepted it themselves) and
 * every other recipient still in play `lost`, in one UPDATE by primary key; drivers who
 * rejected keep their answer.
 */
function settleRecipientsStatement(winnerId: number, loserIds: readonly number[], respondedAtMs: number | null): string {
  const winner = sqlNumber(winnerId);
  return (
    `UPDATE offer_recipients SET status = IF(id = ${winner}, 'accepted', 'lost')` +
    (respondedAtMs === null ? "" : `, responded_at = IF(id = ${winner}, ${sqlUtcDatetime(respondedAtMs)}, responded_at)`) +
    ` WHERE id IN (${[winnerId, ...loserIds].map(sqlNumber).join(",")})`
  );
}

/**
 * Everything that follows a successful claim, in the same transaction (the winner is busy
 * already): the recipients are settled, the trip is assigned, and the events go out.
 * `trips.offer_id` is unique, so a second trip for one offer cannot exist.
 */
async function completeAward(
  tx: Tx,
  emit: Emit,
  read: AwardRead,
  winner: NonNullable<AwardRead["winner"]>,
  agreedRateCents: number,
  via: "driver" | "counter",
): Promise<AcceptedOffer> {
  const { offer } = read;
  const driverId = winner.recipient.driverId;
  const nowMs = Date.now();
  const losers = read.recipients.filter((row) => row.id !== winner.recipient.id && transition(row.status, "lose").ok);
  // Goes to MySQL with the trip's INSERT or UPDATE.
  void deferWrite(
    tx,
    settleRecipientsStatement(
      winner.recipient.id,
      losers.map((row) => row.id),
      via === "driver" ? nowMs : null,
    ),
  );

  // The rider learns who is coming (name, vehicle, rating) on the trips stream, in this commit.
  let tripId: number;
  if (offer.kind === "ride" && offer.tripId !== null) {
    tripId = await assignRide(tx, offer, offer.tripId, driverId, agreedRateCents, nowMs);
    await emitTripEvent(tx, emit, tripId, { type: "trip.assigned" });
  } else {
    const trip = await insertLoadTrip(tx, offer, driverId, agreedRateCents, nowMs, winner.profile);
    tripId = trip.id;
    emit(tripEvent({ type: "trip.assigned", trip }));
  }

  const dispatcherId = offerOwner(offer);
  if (dispatcherId !== undefined) {
    emit(
      offerEvent(
        offer.id,
        { dispatcherId },
        {
          type: "offer.accepted",
          driverId,
          driverName: winner.profile.name,
          agreedRateCents,
          tripId,
          via,
        },
      ),
    );
  }
  emit(offerEvent(offer.id, { driverId }, { type: "offer.won", driverId, agreedRateCents, tripId }));
  for (const loser of losers) {
    emit(offerEvent(offer.id, { dispatcherId, driverId: loser.driverId }, { type: "offer.lost", driverId: loser.driverId }));
  }
  const { recipient, profile } = winner;
  const winnerView: OfferDetail = {
    ...toOfferView({ ...read.view, status: "accepted", acceptedDriverId: driverId, agreedRateCents, tripId }, { userId: driverId, role: "driver" }),
    recipients: [
      toRecipientView({
        offerId: offer.id,
        driverId,
        driverName: profile.name,
        vehicleType: profile.vehicleType,
        status: "accepted",
        counterRateCents: recipient.counterRateCents,
        viewedAt: recipient.viewedAt,
        respondedAt: via === "driver" ? new Date(nowMs) : recipient.respondedAt,
      }),
    ],
  };
  return { offerId: offer.id, driverId, agreedRateCents, tripId, winnerView };
}

/** A ride offer already has its rider's trip; it is assigned only if the rider has not cancelled it meanwhile. */
async function assignRide(tx: Tx, offer: AwardedOffer, tripId: number, driverId: number, fareCents: number, nowMs: number): Promise<number> {
  const result = await tx
    .update(trips)
    .set({ offerId: offer.id, driverId, status: "assigned", assignedAt: new Date(nowMs), fareCents })
    .where(and(eq(trips.id, tripId), eq(trips.status, "requested")));
  if (affectedRows(result) !== 1) throw conflict("The rider cancelled this trip");
  return tripId;
}

const INSERT_TRIP_HEAD = sqlInsertHead(trips, [
  trips.kind,
  trips.driverId,
  trips.offerId,
  trips.pickupAddress,
  trips.pickupLat,
  trips.pickupLng,
  trips.dropoffAddress,
  trips.dropoffLat,
  trips.dropoffLng,
  trips.status,
  trips.fareCents,
  trips.assignedAt,
  trips.createdAt,
]);

/**
 * A load becomes a new trip, assigned, and its view is built from what was written rather
 * than read back: every column the INSERT leaves out takes its schema default, which the
 * row below states.
 */
async function insertLoadTrip(
  tx: Tx,
  offer: AwardedOffer,
  driverId: number,
  fareCents: number,
  nowMs: number,
  driver: WinnerProfile,
): Promise<TripView> {
  const now = sqlUtcDatetime(nowMs);
  const { insertId } = await writeRows(
    tx,
    INSERT_TRIP_HEAD +
      `('load',${sqlNumber(driverId)},${sqlNumber(offer.id)},${sqlString(offer.pickupAddress)},${sqlNumber(offer.pickupLat)},${sqlNumber(offer.pickupLng)},` +
      `${sqlString(offer.dropoffAddress)},${sqlNumber(offer.dropoffLat)},${sqlNumber(offer.dropoffLng)},'assigned',${sqlNumber(fareCents)},${now},${now})`,
  );
  if (!Number.isSafeInteger(insertId) || insertId < 1) throw new Error(`trip insert returned id ${insertId}`);
  const trip: Trip = {
    id: insertId,
    kind: "load",
    riderId: null,
    driverId,
    offerId: offer.id,
    pickupAddress: offer.pickupAddress,
    pickupLat: offer.pickupLat,
    pickupLng: offer.pickupLng,
    dropoffAddress: offer.dropoffAddress,
    dropoffLat: offer.dropoffLat,
    dropoffLng: offer.dropoffLng,
    status: "assigned",
    cancelReason: null,
    fareCents,
    vehicleClass: null,
    searchRing: 0,
    arrivalRadiusM: null,
    pickupPlaceId: null,
    dropoffPlaceId: null,
    reassignments: 0,
    rating: null,
    ratingComment: null,
    requestedAt: null,
    assignedAt: new Date(nowMs),
    enRouteAt: null,
    arrivedAt: null,
    inProgressAt: null,
    completedAt: null,
    cancelledAt: null,
    createdAt: new Date(nowMs),
  };
  return toTripView({
    trip,
    riderName: null,
    driverName: driver.name,
    vehicleType: driver.vehicleType,
    ratingSum: driver.ratingSum,
    ratingCount: driver.ratingCount,
  });
}

/**
 * A driver's recipient status on an offer and the offer's kind, read without locks (a kind
 * never changes); null when the offer was not sent to them.
 */
async function recipientStatus(deps: OfferDeps, offerId: number, driverId: number): Promise<{ status: RecipientStatus; kind: OfferKind } | null> {
  const [row] = await selectRows<{ status: RecipientStatus; kind: OfferKind }>(
    deps.db,
    "SELECT r.status, o.kind FROM offer_recipients r JOIN offers o ON o.id = r.offer_id " +
      `WHERE r.offer_id = ${sqlNumber(offerId)} AND r.driver_id = ${sqlNumber(driverId)}`,
  );
  return row ?? null;
}

/**
 * A driver accepts the offered rate. Exactly one driver can win an offer: everyone else
 * gets CONFLICT ("Another driver already won this offer"), and an offer past its deadline
 * gets CONFLICT ("This offer expired at …"). A driver the offer was not sent to gets
 * NOT_FOUND. Retried whole on deadlock by `commitWithEvents`. After the commit the winner
 * is announced busy on the bus, so every fleet view shows it.
 */
export async function acceptOffer(deps: OfferDeps, driverId: number, offerId: number): Promise<AcceptedOffer> {
  const viewer: OfferViewer = { userId: driverId, role: "driver" };
  // Cheap, lock-free screening: a driver the offer was not sent to never takes its lock.
  const mine = await recipientStatus(deps, offerId, driverId);
  if (!mine) throw notFound("Offer");
  // A driver who rejected is refused here. The other final states (accepted, lost,
  // withdrawn) mean the offer itself is closed, which the failed claim below explains.
  const early = transition(mine.status, "accept");
  if (!early.ok && mine.status === "rejected") throw conflict(early.reason);

  const award = await commitWithEvents(deps, async (tx, emit) => {
    const { claimed, read } = await startAward(tx, offerId, driverId, mine.kind, { agreedRateCents: null });
    if (!claimed) throw await claimRefusal(tx, offerId, viewer);
    if (!read?.winner) throw notFound("Offer");
    const move = transition(read.winner.recipient.status, "accept");
    if (!move.ok) throw conflict(move.reason);
    return completeAward(tx, emit, read, read.winner, read.offer.rateCents, "driver");
  });
  publishAvailability(deps.bus, driverId, "busy");
  return award;
}

/**
 * The dispatcher agrees to one driver's counter, which becomes the agreed rate. Refused
 * if the driver has no counter, or has revised it away from `counterRateCents`, the rate
 * the dispatcher was looking at. Same single-winner rules as `acceptOffer`; another
 * dispatcher's offer is NOT_FOUND, a driver it was not sent to BAD_REQUEST.
 */
export async function acceptCounter(deps: OfferDeps, dispatcherId: number, input: AcceptCounterInput): Promise<Award> {
  const viewer: OfferViewer = { userId: dispatcherId, role: "dispatcher" };
  const notSent = () => badRequest(`Driver ${input.driverId} was not sent this offer`);
  const award = await commitWithEvents(deps, async (tx, emit) => {
    // A dispatcher's offer is a load (a ride's creator is its rider), so no busy check.
    const { claimed, read } = await startAward(tx, input.offerId, input.driverId, "load", {
      agreedRateCents: input.counterRateCents,
      onlyCreatedBy: dispatcherId,
    });
    if (!claimed) {
      const locked = await lockOffer(tx, input.offerId);
      if (locked?.offer.createdBy !== dispatcherId) throw notFound("Offer");
      if (!(await findRecipient(tx, input.offerId, input.driverId))) throw notSent();
      throw closedOfferError(locked, viewer) ?? conflict("This offer changed while you were accepting it; reload it");
    }
    if (!read?.winner) throw notSent();
    const { recipient } = read.winner;
    const move = transition(recipient.status, "acceptCounter");
    if (!move.ok) throw conflict(move.reason);
    if (recipient.counterRateCents !== input.counterRateCents) {
      throw conflict(
        `The driver's counter is now ${formatCents(recipient.counterRateCents ?? 0)}, not ${formatCents(input.counterRateCents)}; review it and accept again`,
      );
    }
    return completeAward(tx, emit, read, read.winner, input.counterRateCents, "counter");
  });
  publishAvailability(deps.bus, input.driverId, "busy");
  return award;
}
