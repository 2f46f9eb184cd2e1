import type { TRPCError } from "@trpc/server";
import { and, asc, drivers, eq, inArray, type Offer, type OfferRecipient, offerRecipients, offers, sql, trips, users } from "@convoy/db";
import { commitWithEvents, type Emit } from "../events/commit";
import { publishAvailability } from "../tracking/messages";
import { badRequest, conflict, notFound } from "../lib/errors";
import type { Tx } from "../lib/transaction";
import { emitTripEvent } from "../trips/tripEvents";
import type { OfferDeps } from "./deps";
import { affectedRows } from "../lib/affectedRows";
import { formatCents } from "../lib/money";
import { closedOfferError, DB_NOW, findRecipient, lockOffer } from "./guards";
import { offerEvent, offerOwner } from "./offerEvents";
import { transition } from "./recipientStates";
import type { AcceptCounterInput } from "./schemas";
import type { OfferViewer } from "./views";

/** The outcome of a won offer. */
export interface Award {
  offerId: number;
  driverId: number;
  agreedRateCents: number;
  tripId: number;
}

/**
 * The single point where an offer gets its winner: a conditional UPDATE that only an open,
 * unexpired offer passes, checked by affected rows. Concurrent claimants queue on the
 * offer's row lock; the first commits, and the rest then match no row. Returns false for
 * them, and the caller explains why from the row as it now is.
 */
async function claimOffer(tx: Tx, offerId: number, winnerId: number, agreedRateCents: number, onlyCreatedBy?: number): Promise<boolean> {
  const result = await tx
    .update(offers)
    .set({ status: "accepted", acceptedDriverId: winnerId, agreedRateCents })
    .where(
      and(
        eq(offers.id, offerId),
        eq(offers.status, "open"),
        sql`${offers.expiresAt} > ${DB_NOW}`,
        onlyCreatedBy === undefined ? undefined : eq(offers.createdBy, onlyCreatedBy),
      ),
    );
  return affectedRows(result) === 1;
}

/** Why a claim failed, as `viewer` should hear it. */
async function claimRefusal(tx: Tx, offerId: number, viewer: OfferViewer): Promise<TRPCError> {
  const locked = await lockOffer(tx, offerId);
  if (!locked || (viewer.role === "dispatcher" && locked.offer.createdBy !== viewer.userId)) return notFound("Offer");
  return closedOfferError(locked, viewer) ?? conflict("This offer changed while you were accepting it; reload it");
}

/**
 * Everything that follows a successful claim, in the same transaction: the winner's row
 * becomes `accepted`, every other recipient still in play becomes `lost` (drivers who
 * rejected keep their answer), the trip is assigned, the driver turns busy, and the
 * events go out. `trips.offer_id` is unique, so a second trip for one offer cannot exist.
 */
async function completeAward(
  tx: Tx,
  emit: Emit,
  offer: Offer,
  winner: OfferRecipient,
  agreedRateCents: number,
  via: "driver" | "counter",
): Promise<Award> {
  const now = new Date();
  await tx
    .update(offerRecipients)
    .set(via === "driver" ? { status: "accepted", respondedAt: now } : { status: "accepted" })
    .where(eq(offerRecipients.id, winner.id));

  const others = await tx
    .select({ id: offerRecipients.id, driverId: offerRecipients.driverId, status: offerRecipients.status })
    .from(offerRecipients)
    .where(eq(offerRecipients.offerId, offer.id))
    .for("update");
  const losers = others.filter((row) => row.id !== winner.id && transition(row.status, "lose").ok);
  if (losers.length > 0) {
    await tx
      .update(offerRecipients)
      .set({ status: "lost" })
      .where(
        inArray(
          offerRecipients.id,
          losers.map((row) => row.id),
        ),
      );
  }

  await tx.update(drivers).set({ availability: "busy" }).where(eq(drivers.userId, winner.driverId));
  const tripId = await assignTrip(tx, offer, winner.driverId, agreedRateCents, now);
  // The rider learns who is coming (name, vehicle, rating) on the trips stream, in this commit.
  await emitTripEvent(tx, emit, tripId, { type: "trip.assigned" });

  const [driver] = await tx.select({ name: users.name }).from(users).where(eq(users.id, winner.driverId));
  const dispatcherId = offerOwner(offer);
  const driverId = winner.driverId;
  if (dispatcherId !== undefined) {
    emit(
      offerEvent(
        offer.id,
        { dispatcherId },
        {
          type: "offer.accepted",
          driverId,
          driverName: driver?.name ?? "",
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
  return { offerId: offer.id, driverId, agreedRateCents, tripId };
}

/**
 * Locks the rows of every driver an award of this offer writes or refers to, before anything
 * else: the winner turns busy, and the claim, the trip and the losers' "went to another
 * driver" messages point at the drivers' rows, where each foreign key check takes a shared
 * lock. Taken as they come, two awards whose drivers overlap (one driver winning a load while
 * losing another, or winning two at once) would each hold a shared lock the other needs
 * exclusively, and deadlock. Taken here, at once and in id order, they queue instead.
 * An offer's recipients are fixed when it is created, so they can be read before the lock.
 */
async function lockAwardDrivers(tx: Tx, offerId: number): Promise<void> {
  const recipients = await tx.select({ driverId: offerRecipients.driverId }).from(offerRecipients).where(eq(offerRecipients.offerId, offerId));
  if (recipients.length === 0) return;
  await tx
    .select({ userId: drivers.userId })
    .from(drivers)
    .where(
      inArray(
        drivers.userId,
        recipients.map((recipient) => recipient.driverId),
      ),
    )
    .orderBy(asc(drivers.userId))
    .for("update");
}

/**
 * A load becomes a new trip, assigned. A ride offer already has its rider's trip; it is
 * assigned only if the rider has not cancelled it meanwhile.
 */
async function assignTrip(tx: Tx, offer: Offer, driverId: number, fareCents: number, now: Date): Promise<number> {
  if (offer.kind === "ride" && offer.tripId !== null) {
    const result = await tx
      .update(trips)
      .set({ offerId: offer.id, driverId, status: "assigned", assignedAt: now, fareCents })
      .where(and(eq(trips.id, offer.tripId), eq(trips.status, "requested")));
    if (affectedRows(result) !== 1) throw conflict("The rider cancelled this trip");
    return offer.tripId;
  }
  const [trip] = await tx
    .insert(trips)
    .values({
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
      fareCents,
      assignedAt: now,
    })
    .$returningId();
  if (!trip) throw new Error("trip insert returned no id");
  return trip.id;
}

/**
 * A driver carries one rider at a time: one who is busy (on a trip) cannot take a ride
 * offer that reached them before they became busy. The driver's row is already locked
 * (`lockAwardDrivers`), so the same driver accepting two rides at once is decided one after
 * the other. Loads are not limited this way: a dispatcher may line up several for one driver.
 */
async function refuseIfOnARide(tx: Tx, driverId: number): Promise<void> {
  const [driver] = await tx.select({ availability: drivers.availability }).from(drivers).where(eq(drivers.userId, driverId)).for("update");
  if (driver?.availability === "busy") throw conflict("You are on a trip; finish it before accepting another ride");
}

/**
 * A driver accepts the offered rate. Exactly one driver can win an offer: everyone else
 * gets CONFLICT ("Another driver already won this offer"), and an offer past its deadline
 * gets CONFLICT ("This offer expired at …"). A driver the offer was not sent to gets
 * NOT_FOUND. Retried whole on deadlock by `commitWithEvents`. After the commit the winner
 * is announced busy on the bus, so every fleet view shows it.
 */
export async function acceptOffer(deps: OfferDeps, driverId: number, offerId: number): Promise<Award> {
  const viewer: OfferViewer = { userId: driverId, role: "driver" };
  // Cheap, lock-free screening; everything is checked again under the lock.
  const mine = await findRecipient(deps.db, offerId, driverId);
  if (!mine) throw notFound("Offer");
  // A driver who rejected is refused here. The other final states (accepted, lost,
  // withdrawn) mean the offer itself is closed, which the failed claim below explains.
  const early = transition(mine.status, "accept");
  if (!early.ok && mine.status === "rejected") throw conflict(early.reason);

  const award = await commitWithEvents(deps, async (tx, emit) => {
    const [offer] = await tx.select().from(offers).where(eq(offers.id, offerId));
    if (!offer) throw notFound("Offer");
    await lockAwardDrivers(tx, offerId);
    if (offer.kind === "ride") await refuseIfOnARide(tx, driverId);
    if (!(await claimOffer(tx, offerId, driverId, offer.rateCents))) throw await claimRefusal(tx, offerId, viewer);
    const recipient = await findRecipient(tx, offerId, driverId, true);
    if (!recipient) throw notFound("Offer");
    const move = transition(recipient.status, "accept");
    if (!move.ok) throw conflict(move.reason);
    return completeAward(tx, emit, offer, recipient, offer.rateCents, "driver");
  });
  publishAvailability(deps.bus, driverId, "busy");
  return award;
}

/**
 * The dispatcher agrees to one driver's counter, which becomes the agreed rate. Refused
 * if the driver has no counter, or has revised it away from `counterRateCents`, the rate
 * the dispatcher was looking at. Same single-winner rules as `acceptOffer`.
 */
export async function acceptCounter(deps: OfferDeps, dispatcherId: number, input: AcceptCounterInput): Promise<Award> {
  const viewer: OfferViewer = { userId: dispatcherId, role: "dispatcher" };
  const award = await commitWithEvents(deps, async (tx, emit) => {
    const [offer] = await tx.select().from(offers).where(eq(offers.id, input.offerId));
    if (offer?.createdBy !== dispatcherId) throw notFound("Offer");
    const recipient = await findRecipient(tx, input.offerId, input.driverId);
    if (!recipient) throw badRequest(`Driver ${input.driverId} was not sent this offer`);
    await lockAwardDrivers(tx, input.offerId);
    if (!(await claimOffer(tx, input.offerId, input.driverId, input.counterRateCents, dispatcherId))) {
      throw await claimRefusal(tx, input.offerId, viewer);
    }
    const locked = await findRecipient(tx, input.offerId, input.driverId, true);
    if (!locked) throw badRequest(`Driver ${input.driverId} was not sent this offer`);
    const move = transition(locked.status, "acceptCounter");
    if (!move.ok) throw conflict(move.reason);
    if (locked.counterRateCents !== input.counterRateCents) {
      throw conflict(
        `The driver's counter is now ${formatCents(locked.counterRateCents ?? 0)}, not ${formatCents(input.counterRateCents)}; review it and accept again`,
      );
    }
    return completeAward(tx, emit, offer, locked, input.counterRateCents, "counter");
  });
  publishAvailability(deps.bus, input.driverId, "busy");
  return award;
}
