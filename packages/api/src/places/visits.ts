import { and, eq, placeVisits, sql, users } from "@convoy/db";
import { commitWithEvents, type CommitDeps } from "../events/commit";
import { affectedRows } from "../lib/affectedRows";
import type { Tx } from "../lib/transaction";
import { placeEvent, type VisitPoint } from "./placeEvents";

/** A driver's visit as one instance holds it: when it began and whether it dwelled. Epoch ms. */
export interface Visit {
  enteredAt: number;
  dwelled: boolean;
}

/** One change in a driver's visits, found on the position path and written here. */
export interface VisitTransition {
  kind: "entered" | "dwelled" | "left";
  placeId: number;
  placeName: string;
  /** For `dwelled`: the dwell time that applied, seconds. */
  dwellSeconds: number;
  enteredAt: number;
  point: { lat: number; lng: number; recordedAt: number };
}

/** A driver's current visits as MySQL has them, by place. */
export async function loadVisits(db: CommitDeps["db"], driverId: number): Promise<Map<number, Visit>> {
  const rows = await db
    .select({ placeId: placeVisits.placeId, enteredAt: placeVisits.enteredAt, dwelled: placeVisits.dwelled })
    .from(placeVisits)
    .where(eq(placeVisits.driverId, driverId));
  return new Map(rows.map((row) => [row.placeId, { enteredAt: row.enteredAt.getTime(), dwelled: row.dwelled }]));
}

const visitPoint = (point: VisitTransition["point"]): VisitPoint => ({
  lat: point.lat,
  lng: point.lng,
  recordedAt: new Date(point.recordedAt).toISOString(),
});

/**
 * Writes one report's transitions and their events in one transaction. Each is a conditional
 * write on `place_visits` (insert if absent, delete if present, mark dwelled if not yet), and
 * its event is emitted only when the write changed a row: so when two instances see the same
 * driver at once (a socket moving between them), each transition still becomes one event.
 * An entry into a place deleted meanwhile inserts nothing and says nothing.
 */
export async function writeVisitTransitions(deps: CommitDeps, driverId: number, transitions: readonly VisitTransition[]): Promise<number> {
  return commitWithEvents(deps, async (tx, emit) => {
    let driverName: string | null = null;
    let written = 0;
    for (const transition of transitions) {
      if (!(await applyTransition(tx, driverId, transition))) continue;
      driverName ??= await nameOf(tx, driverId);
      written++;
      const base = { placeId: transition.placeId, placeName: transition.placeName, driverId, driverName, point: visitPoint(transition.point) };
      const enteredAt = new Date(transition.enteredAt).toISOString();
      if (transition.kind === "entered") emit(placeEvent({ type: "place.entered", ...base }));
      else if (transition.kind === "left") emit(placeEvent({ type: "place.left", ...base, enteredAt }));
      else emit(placeEvent({ type: "place.dwelled", ...base, enteredAt, dwellSeconds: transition.dwellSeconds }));
    }
    return written;
  });
}

async function applyTransition(tx: Tx, driverId: number, transition: VisitTransition): Promise<boolean> {
  const where = and(eq(placeVisits.driverId, driverId), eq(placeVisits.placeId, transition.placeId));
  switch (transition.kind) {
    case "entered": {
      // INSERT … SELECT: nothing (and no foreign-key error) when the place is gone.
      const result = await tx.execute(
        sql`INSERT IGNORE INTO place_visits (driver_id, place_id, entered_at, dwelled)
            SELECT ${driverId}, id, ${new Date(transition.enteredAt)}, false FROM places WHERE id = ${transition.placeId}`,
      );
      return affectedRows(result) === 1;
    }
    case "dwelled":
      return (
        affectedRows(
          await tx
            .update(placeVisits)
            .set({ dwelled: true })
            .where(and(where, eq(placeVisits.dwelled, false))),
        ) === 1
      );
    case "left":
      return affectedRows(await tx.delete(placeVisits).where(where)) === 1;
  }
}

async function nameOf(tx: Tx, driverId: number): Promise<string> {
  const [row] = await tx.select({ name: users.name }).from(users).where(eq(users.id, driverId));
  return row?.name ?? `Driver ${driverId}`;
}
