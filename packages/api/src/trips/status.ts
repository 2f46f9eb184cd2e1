import { and, type Database, eq, type Trip, tripHistory, trips, tripStatusActions, type TripStatus } from "@convoy/db";
import { commitWithEvents, type CommitDeps, type Emit } from "../events/commit";
import { conflict, isDuplicateEntry, notFound } from "../lib/errors";
import type { Tx } from "../lib/transaction";
import { affectedRows } from "../lib/affectedRows";
import { requireProofToComplete } from "../proofs/completionGuard";
import { guardMove } from "./arrivalGuard";
import type { TripDeps } from "./deps";
import { announceReleased, releaseDriver } from "./release";
import type { UpdateTripStatusInput } from "./schemas";
import { checkTransition, STATUS_TIME_COLUMN } from "./statusMachine";
import { emitTripEvent, type TripGuardOverride } from "./tripEvents";
import { readTripView, type TripView } from "./views";

/** A trip's row under lock, so concurrent moves on one trip queue up. */
export async function lockTrip(tx: Tx, tripId: number): Promise<Trip | null> {
  const [trip] = await tx.select().from(trips).where(eq(trips.id, tripId)).for("update");
  return trip ?? null;
}

/**
 * Moves a locked trip on by one step the status machine allows: stamps the status's time
 * column, frees the driver on completion, records an override in the trip's history, and
 * emits `trip.status_changed`. Returns whether the driver was freed. The UPDATE is
 * conditional on the status and driver read, as a second guard.
 */
async function advance(
  tx: Tx,
  emit: Emit,
  trip: Trip,
  to: TripStatus,
  automatic: boolean,
  override: TripGuardOverride | null = null,
): Promise<{ view: TripView; freed: boolean }> {
  const result = await tx
    .update(trips)
    .set({ status: to, [STATUS_TIME_COLUMN[to]]: new Date() })
    .where(and(eq(trips.id, trip.id), eq(trips.status, trip.status), eq(trips.reassignments, trip.reassignments)));
  if (affectedRows(result) !== 1) throw conflict("This trip changed meanwhile; reload it");
  if (override) {
    await tx.insert(tripHistory).values({
      tripId: trip.id,
      type: "guard_override",
      actorId: trip.driverId,
      status: to,
      reason: override.reason,
      distanceM: override.distanceM,
      radiusM: override.radiusM,
    });
  }
  const freed = to === "completed" && trip.driverId !== null && (await releaseDriver(tx, trip.driverId, trip.id));
  const view = await emitTripEvent(tx, emit, trip.id, { type: "trip.status_changed", from: trip.status, to, automatic, override });
  return { view, freed };
}

/**
 * The trip's driver moves it on: assigned → en_route → arrived → in_progress → completed,
 * one step at a time. Another driver's trip is NOT_FOUND; a step the machine does not
 * allow from the current status is CONFLICT with the reason. Completing frees the driver.
 * Asking for the status the trip already has changes nothing and succeeds, so a phone
 * retrying after a lost response, or tapping "arrived" after the automatic arrival, is fine.
 * Arriving and completing are guarded by the driver's position (see `guardMove`): away from
 * the place they are PRECONDITION_FAILED unless the driver gives `overrideReason`. Completing
 * a load also needs its proof of delivery or a dispatcher's waiver (`requireProofToComplete`).
 *
 * With an `idempotencyKey` the move is made once however often it arrives, even after the
 * trip moved further on (a queue sent twice): a repeat returns the trip as it is now and
 * changes nothing; the key on another trip or status is a CONFLICT. The key is stored in the
 * move's own transaction, so a move that failed left no key behind and may be sent again.
 * `spendBudget` (the caller's rate limit) runs only for a move not made before.
 */
export async function updateTripStatus(
  deps: TripDeps,
  driverId: number,
  input: UpdateTripStatusInput,
  spendBudget: () => Promise<void> = () => Promise.resolve(),
): Promise<TripView> {
  const key = input.idempotencyKey;
  if (key !== undefined) {
    const first = await madeMove(deps.db, driverId, key, input);
    if (first) return first;
  }
  await spendBudget();
  try {
    const { view, freed } = await commitWithEvents(deps, async (tx, emit) => {
      const trip = await lockTrip(tx, input.tripId);
      if (trip?.driverId !== driverId) throw notFound("Trip");
      // A repeat racing the first waits on the trip's lock, then fails here and reads the first.
      if (key !== undefined) await tx.insert(tripStatusActions).values({ driverId, idempotencyKey: key, tripId: trip.id, status: input.status });
      if (trip.status === input.status) {
        const view = await readTripView(tx, trip.id);
        if (!view) throw notFound("Trip");
        return { view, freed: false };
      }
      const check = checkTransition(trip.status, input.status, "driver");
      if (!check.ok) throw conflict(check.reason);
      const override = await guardMove(tx, deps.trips.guard, trip, input.status, input.overrideReason);
      if (input.status === "completed") await requireProofToComplete(tx, trip);
      return advance(tx, emit, trip, input.status, false, override);
    });
    if (freed) announceReleased(deps.bus, driverId);
    return view;
  } catch (error) {
    if (key === undefined || !isDuplicateEntry(error)) throw error;
    const winner = await madeMove(deps.db, driverId, key, input);
    if (!winner) throw error;
    return winner;
  }
}

/**
 * The trip as it is now if `driverId` already made this move with `key`, or null when the
 * key is new. The key on another trip or status is a CONFLICT; a trip handed to another
 * driver since is NOT_FOUND, as for any trip not the driver's.
 */
async function madeMove(db: Database, driverId: number, key: string, input: UpdateTripStatusInput): Promise<TripView | null> {
  const [made] = await db
    .select({ tripId: tripStatusActions.tripId, status: tripStatusActions.status })
    .from(tripStatusActions)
    .where(and(eq(tripStatusActions.driverId, driverId), eq(tripStatusActions.idempotencyKey, key)));
  if (!made) return null;
  if (made.tripId !== input.tripId || made.status !== input.status) {
    throw conflict("This idempotencyKey was already used for another move; make a new key for each move");
  }
  const view = await readTripView(db, made.tripId);
  if (view?.driver?.id !== driverId) throw notFound("Trip");
  return view;
}

/**
 * The driver reported a point at the pickup while en route: the trip becomes `arrived` by
 * itself. A no-op (false) if the trip is no longer en route with this driver, so reports
 * racing each other or the driver's own tap are harmless.
 */
export async function arriveAutomatically(deps: CommitDeps, driverId: number, tripId: number): Promise<boolean> {
  return commitWithEvents(deps, async (tx, emit) => {
    const trip = await lockTrip(tx, tripId);
    if (trip?.driverId !== driverId || trip.status !== "en_route") return false;
    await advance(tx, emit, trip, "arrived", true);
    return true;
  });
}
