import type { Logger } from "pino";
import { and, asc, eq, offers, sql } from "@convoy/db";
import { commitWithEvents, type Emit } from "../events/commit";
import type { Tx } from "../lib/transaction";
import type { OfferDeps } from "./deps";
import { affectedRows } from "../lib/affectedRows";
import { DB_NOW, driversStillInPlay } from "./guards";
import { offerEvent, offerOwner } from "./offerEvents";

/** Offers expired per sweep at most; the next tick takes the rest. @default 200 */
const SWEEP_BATCH = 200;

/**
 * The trips domain's part in expiry: a ride whose offer lapsed unanswered is offered to its
 * next wave of drivers (or ends with no driver). Runs inside the expiring transaction, so the two commit
 * together and exactly one sweeper moves the ride on.
 */
export interface RideOfferExpiry {
  rideOfferExpired: (tx: Tx, emit: Emit, tripId: number) => Promise<void>;
}

/** What the sweeper needs; `trips` is optional only so load-only callers need not build it. */
export type SweeperDeps = OfferDeps & { trips?: RideOfferExpiry };

/**
 * Closes an open offer as `expired` inside the caller's transaction: `offer.expired` to the
 * dispatcher and to each driver still in play, and a ride moves on to its next wave. The
 * conditional UPDATE is what makes two sweepers (or a sweeper racing an accept, a cancel or
 * the last reject) safe: only the one whose UPDATE matched emits the events. `dueOnly`
 * closes it only once past its deadline (the sweeper); otherwise now (every driver said no).
 */
export async function expireOfferIn(tx: Tx, emit: Emit, trips: RideOfferExpiry | undefined, offerId: number, dueOnly: boolean): Promise<boolean> {
  const result = await tx
    .update(offers)
    .set(dueOnly ? { status: "expired" } : { status: "expired", expiresAt: DB_NOW })
    .where(and(eq(offers.id, offerId), eq(offers.status, "open"), dueOnly ? sql`${offers.expiresAt} <= ${DB_NOW}` : undefined));
  if (affectedRows(result) !== 1) return false;
  const [offer] = await tx
    .select({ createdBy: offers.createdBy, kind: offers.kind, tripId: offers.tripId, expiresAt: offers.expiresAt })
    .from(offers)
    .where(eq(offers.id, offerId));
  if (!offer) return false;
  const stillInPlay = await driversStillInPlay(tx, offerId);
  const expiresAt = offer.expiresAt.toISOString();
  const dispatcherId = offerOwner(offer);
  if (dispatcherId !== undefined) emit(offerEvent(offerId, { dispatcherId }, { type: "offer.expired", expiresAt }));
  for (const driverId of stillInPlay) emit(offerEvent(offerId, { driverId }, { type: "offer.expired", expiresAt }));
  if (offer.kind === "ride" && offer.tripId !== null) await trips?.rideOfferExpired(tx, emit, offer.tripId);
  return true;
}

function expireOffer(deps: SweeperDeps, offerId: number): Promise<boolean> {
  return commitWithEvents(deps, (tx, emit) => expireOfferIn(tx, emit, deps.trips, offerId, true));
}

/**
 * Marks open offers whose deadline has passed (database clock) as `expired` and emits
 * `offer.expired` to the dispatcher and to each driver still in play. Recipient rows keep
 * their status (sent, viewed or countered): the offer's status already says it is over,
 * and the driver's last answer stays on record. Returns how many offers this call expired.
 */
export async function sweepExpiredOffers(deps: SweeperDeps): Promise<number> {
  const due = await deps.db
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.status, "open"), sql`${offers.expiresAt} <= ${DB_NOW}`))
    .orderBy(asc(offers.expiresAt))
    .limit(SWEEP_BATCH);
  let expired = 0;
  for (const { id } of due) if (await expireOffer(deps, id)) expired++;
  return expired;
}

export interface OfferSweeper {
  /** Stops the timer and waits for a sweep in progress, so the pool can close after it. */
  stop: () => Promise<void>;
}

export interface OfferSweeperOptions {
  /** Time between sweeps, in ms. @default 1_000 */
  intervalMs?: number;
}

/**
 * Runs `sweepExpiredOffers` on an interval that does not keep the process alive. Sweeps
 * never overlap; a failed sweep is logged and the next tick tries again. Safe to run on
 * every instance at once.
 */
export function startOfferSweeper(deps: SweeperDeps & { logger: Logger }, options: OfferSweeperOptions = {}): OfferSweeper {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = sweepExpiredOffers(deps)
      .then(() => undefined)
      .catch((error: unknown) => deps.logger.warn({ err: error }, "offer expiry sweep failed; will retry"))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.intervalMs ?? 1_000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
