import { and, count, drivers, eq, inArray, ne, trips } from "@convoy/db";
import type { Bus } from "../events/bus";
import { ACTIVE_TRIP_STATUSES } from "../lib/tripStatuses";
import type { Tx } from "../lib/transaction";
import { publishAvailability } from "../tracking/messages";

/**
 * A trip of this driver ended (completed or cancelled): they become `available` again,
 * unless another active trip keeps them busy. Runs in the ending transaction; returns
 * whether they were freed, so the caller can tell the fleet view after the commit.
 */
export async function releaseDriver(tx: Tx, driverId: number, endedTripId: number): Promise<boolean> {
  const [other] = await tx
    .select({ n: count() })
    .from(trips)
    .where(and(eq(trips.driverId, driverId), ne(trips.id, endedTripId), inArray(trips.status, [...ACTIVE_TRIP_STATUSES])));
  if ((other?.n ?? 0) > 0) return false;
  await tx
    .update(drivers)
    .set({ availability: "available" })
    .where(and(eq(drivers.userId, driverId), eq(drivers.availability, "busy")));
  return true;
}

/** Tells every instance's fleet view that a released driver is available; call after the commit. */
export function announceReleased(bus: Bus, driverId: number | null): void {
  if (driverId !== null) publishAvailability(bus, driverId, "available");
}
