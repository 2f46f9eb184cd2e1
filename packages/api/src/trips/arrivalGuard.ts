import { drivers, eq, places, type PlaceGeometry, type Trip, type TripStatus } from "@convoy/db";
import { TRPCError } from "@trpc/server";
import { haversineKm, type LatLng } from "../lib/geo";
import type { Tx } from "../lib/transaction";
import { distanceOutsideM, geometryContains } from "../places/geometry";
import type { LivePosition } from "../tracking/latestPositions";
import type { TripGuardOverride } from "./tripEvents";
import { tripWords } from "./words";

/** What the guard reads besides the trip: the radius a trip without its own uses, and live positions. */
export interface ArrivalGuardContext {
  /** Metres; the server's `TripOptions.arrivalRadiusM`. */
  defaultRadiusM: number;
  /** The driver's newest position from the tracking service's memory; never MySQL. */
  positionOf: (driverId: number) => LivePosition | undefined;
}

/** The moves that need the driver at a place: arriving needs the pickup, completing the dropoff. */
const GUARDED_PLACE: Partial<Record<TripStatus, "pickup" | "dropoff">> = { arrived: "pickup", completed: "dropoff" };

/** The radius that applies to `trip`, metres. */
export function arrivalRadiusOf(trip: Pick<Trip, "arrivalRadiusM">, context: Pick<ArrivalGuardContext, "defaultRadiusM">): number {
  return trip.arrivalRadiusM ?? context.defaultRadiusM;
}

/**
 * The driver's last known position: the newer of the tracking service's live one and the
 * `drivers` row (which outlives a restart), or null when neither is known.
 */
async function lastKnownPosition(tx: Tx, context: ArrivalGuardContext, driverId: number): Promise<LatLng | null> {
  const live = context.positionOf(driverId);
  const [row] = await tx
    .select({ lat: drivers.lat, lng: drivers.lng, positionAt: drivers.positionAt })
    .from(drivers)
    .where(eq(drivers.userId, driverId));
  const rowAt = row?.positionAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  if (live && live.recordedAt >= rowAt) return live;
  if (row && row.lat !== null && row.lng !== null) return { lat: row.lat, lng: row.lng };
  return live ?? null;
}

/** A saved place's area, read in the move's transaction so an edit made just before applies. */
async function readGuardPlace(tx: Tx, placeId: number): Promise<{ id: number; name: string; geometry: PlaceGeometry } | null> {
  const [row] = await tx.select({ id: places.id, name: places.name, geometry: places.geometry }).from(places).where(eq(places.id, placeId));
  return row ?? null;
}

/** `guardMove` for a trip end guarded by a saved place: the driver must be inside its area. */
function guardByPlace(
  trip: Trip,
  to: TripStatus,
  end: "pickup" | "dropoff",
  saved: { id: number; name: string; geometry: PlaceGeometry },
  position: LatLng | null,
  overrideReason: string | undefined,
): TripGuardOverride | null {
  if (position && geometryContains(saved.geometry, position)) return null;
  const distanceM = position ? Math.round(distanceOutsideM(saved.geometry, position)) : null;
  if (overrideReason !== undefined) return { reason: overrideReason, distanceM, radiusM: null, placeId: saved.id };
  const words = tripWords(trip.kind);
  const move = to === "arrived" ? "Arriving" : `Marking the ${words.noun} ${words.completedWord}`;
  const where =
    distanceM === null
      ? `Your position is not known, so it cannot be checked against "${saved.name}" at the ${end}`
      : `You are ${metres(distanceM)} outside "${saved.name}", the place at the ${end}`;
  throw new TRPCError({
    code: "PRECONDITION_FAILED",
    message: `${where}. ${move} needs you inside it; if you really are there, send the move again with a reason (overrideReason).`,
  });
}

const metres = (m: number) => (m < 1_000 ? `${Math.round(m)} m` : `${(m / 1_000).toFixed(1)} km`);

/**
 * Checks a driver's move to `to` against where the driver is. Arriving (`arrived`) needs
 * the driver within the trip's radius of the pickup, completing within it of the dropoff;
 * other moves are not guarded. No known position counts as not within the radius.
 *
 * Within the radius the move goes through and `null` is returned. Outside it the move
 * needs `overrideReason`: with one, the override to record is returned; without one the
 * move is refused with PRECONDITION_FAILED, naming the distance and the radius.
 */
export async function guardMove(
  tx: Tx,
  context: ArrivalGuardContext,
  trip: Trip,
  to: TripStatus,
  overrideReason: string | undefined,
): Promise<TripGuardOverride | null> {
  const place = GUARDED_PLACE[to];
  if (!place || trip.driverId === null) return null;
  const placeId = place === "pickup" ? trip.pickupPlaceId : trip.dropoffPlaceId;
  const saved = placeId === null ? null : await readGuardPlace(tx, placeId);
  if (saved) return guardByPlace(trip, to, place, saved, await lastKnownPosition(tx, context, trip.driverId), overrideReason);
  const radiusM = arrivalRadiusOf(trip, context);
  const target = place === "pickup" ? { lat: trip.pickupLat, lng: trip.pickupLng } : { lat: trip.dropoffLat, lng: trip.dropoffLng };
  const position = await lastKnownPosition(tx, context, trip.driverId);
  const distanceM = position ? Math.round(haversineKm(position, target) * 1_000) : null;
  if (distanceM !== null && distanceM <= radiusM) return null;
  if (overrideReason !== undefined) return { reason: overrideReason, distanceM, radiusM };

  const words = tripWords(trip.kind);
  const move = to === "arrived" ? "Arriving" : `Marking the ${words.noun} ${words.completedWord}`;
  const where =
    distanceM === null
      ? `Your position is not known, so it cannot be checked against the ${place}`
      : `You are ${metres(distanceM)} from the ${place}`;
  throw new TRPCError({
    code: "PRECONDITION_FAILED",
    message: `${where}. ${move} needs you within ${metres(radiusM)} of it; if you really are there, send the move again with a reason (overrideReason).`,
  });
}
