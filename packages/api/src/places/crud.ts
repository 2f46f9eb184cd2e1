import { and, asc, count, type DbOrTx, eq, inArray, or, places, trips } from "@convoy/db";
import { commitWithEvents, type CommitDeps } from "../events/commit";
import { affectedRows } from "../lib/affectedRows";
import { conflict, notFound } from "../lib/errors";
import { OPEN_TRIP_STATUSES } from "../lib/tripStatuses";
import type { Tx } from "../lib/transaction";
import { placeEvent } from "./placeEvents";
import { PLACE_LIMITS, type CreatePlaceInput, type UpdatePlaceInput } from "./schemas";
import { toPlaceView, type PlaceView } from "./views";

/** Every saved place, by name; at most `PLACE_LIMITS.maxPlaces`. */
export async function listPlaces(db: DbOrTx): Promise<PlaceView[]> {
  const rows = await db.select().from(places).orderBy(asc(places.name), asc(places.id));
  return rows.map(toPlaceView);
}

async function readPlace(tx: Tx, placeId: number): Promise<PlaceView> {
  const [row] = await tx.select().from(places).where(eq(places.id, placeId));
  if (!row) throw new Error(`place ${placeId} vanished inside its own transaction`);
  return toPlaceView(row);
}

/**
 * A dispatcher saves a place; every dispatcher hears `place.created` and every instance
 * starts watching it. CONFLICT once `PLACE_LIMITS.maxPlaces` are saved (checked
 * before the insert, so two creations at once may pass it by one).
 */
export async function createPlace(deps: CommitDeps, dispatcherId: number, input: CreatePlaceInput): Promise<PlaceView> {
  return commitWithEvents(deps, async (tx, emit) => {
    const [saved] = await tx.select({ n: count() }).from(places);
    if ((saved?.n ?? 0) >= PLACE_LIMITS.maxPlaces) {
      throw conflict(`There are already ${PLACE_LIMITS.maxPlaces} places, the most Convoy keeps; delete one first`);
    }
    const [result] = await tx.insert(places).values({
      name: input.name,
      geometry: input.geometry,
      dwellSeconds: input.dwellSeconds ?? null,
      createdBy: dispatcherId,
      updatedAt: new Date(),
    });
    const place = await readPlace(tx, result.insertId);
    emit(placeEvent({ type: "place.created", place }));
    return place;
  });
}

/**
 * Changes a place's name, area or dwell time, if it is still at `version`; otherwise
 * CONFLICT (someone else edited it) or NOT_FOUND. Drivers inside are checked against the new
 * area at their next point.
 */
export async function updatePlace(deps: CommitDeps, input: UpdatePlaceInput): Promise<PlaceView> {
  return commitWithEvents(deps, async (tx, emit) => {
    const result = await tx
      .update(places)
      .set({
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.geometry === undefined ? {} : { geometry: input.geometry }),
        ...(input.dwellSeconds === undefined ? {} : { dwellSeconds: input.dwellSeconds }),
        version: input.version + 1,
        updatedAt: new Date(),
      })
      .where(and(eq(places.id, input.placeId), eq(places.version, input.version)));
    if (affectedRows(result) !== 1) {
      const [row] = await tx.select({ version: places.version }).from(places).where(eq(places.id, input.placeId));
      if (!row) throw notFound("Place");
      throw conflict(`This place was changed meanwhile (it is at version ${row.version}, you edited version ${input.version}); reload it`);
    }
    const place = await readPlace(tx, input.placeId);
    emit(placeEvent({ type: "place.updated", place }));
    return place;
  });
}

/**
 * Removes a place and its current visits. CONFLICT while an unfinished trip's pickup or
 * dropoff is guarded by it (unlink it there first); finished trips just lose the link.
 */
export async function deletePlace(deps: CommitDeps, placeId: number): Promise<{ placeId: number }> {
  return commitWithEvents(deps, async (tx, emit) => {
    const [row] = await tx.select({ id: places.id, name: places.name }).from(places).where(eq(places.id, placeId)).for("update");
    if (!row) throw notFound("Place");
    const [guarded] = await tx
      .select({ id: trips.id })
      .from(trips)
      .where(and(or(eq(trips.pickupPlaceId, placeId), eq(trips.dropoffPlaceId, placeId)), inArray(trips.status, [...OPEN_TRIP_STATUSES])))
      .limit(1);
    if (guarded) throw conflict(`Trip #${guarded.id} is still guarded by "${row.name}"; unlink it from the trip first`);
    await tx.delete(places).where(eq(places.id, placeId));
    emit(placeEvent({ type: "place.deleted", placeId, name: row.name }));
    return { placeId };
  });
}
