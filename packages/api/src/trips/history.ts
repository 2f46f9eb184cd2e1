import { alias } from "drizzle-orm/mysql-core";
import { asc, type DbOrTx, eq, type TripHistoryType, tripHistory, type TripStatus, users } from "@convoy/db";

/** One entry of a trip's history, as `trips.history` returns it; times are ISO strings. */
export interface TripHistoryEntry {
  id: number;
  type: TripHistoryType;
  at: string;
  /** Who did it: the driver who overrode, the dispatcher who reassigned, the canceller; null for the system. */
  actor: { id: number; name: string } | null;
  /** For an override: the status the driver moved the trip to. */
  status: TripStatus | null;
  /** The person's words. */
  reason: string | null;
  /** For an override: metres between the driver's last known position and the place; null when none was known. */
  distanceM: number | null;
  /** For an override: the radius that applied, metres. */
  radiusM: number | null;
  fromDriver: { id: number; name: string } | null;
  toDriver: { id: number; name: string } | null;
}

const actors = alias(users, "actor_user");
const fromDrivers = alias(users, "from_driver_user");
const toDrivers = alias(users, "to_driver_user");

const person = (id: number | null, name: string | null) => (id === null ? null : { id, name: name ?? "" });

/**
 * A trip's history, oldest first: overrides, reassignments and cancellations with who made
 * them and why. The caller has checked that the viewer may see the trip.
 */
export async function readTripHistory(db: DbOrTx, tripId: number): Promise<TripHistoryEntry[]> {
  const rows = await db
    .select({ entry: tripHistory, actorName: actors.name, fromName: fromDrivers.name, toName: toDrivers.name })
    .from(tripHistory)
    .leftJoin(actors, eq(actors.id, tripHistory.actorId))
    .leftJoin(fromDrivers, eq(fromDrivers.id, tripHistory.fromDriverId))
    .leftJoin(toDrivers, eq(toDrivers.id, tripHistory.toDriverId))
    .where(eq(tripHistory.tripId, tripId))
    .orderBy(asc(tripHistory.id));
  return rows.map(({ entry, actorName, fromName, toName }) => ({
    id: entry.id,
    type: entry.type,
    at: entry.createdAt.toISOString(),
    actor: person(entry.actorId, actorName),
    status: entry.status,
    reason: entry.reason,
    distanceM: entry.distanceM,
    radiusM: entry.radiusM,
    fromDriver: person(entry.fromDriverId, fromName),
    toDriver: person(entry.toDriverId, toName),
  }));
}
