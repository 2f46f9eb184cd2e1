import { TRPCError } from "@trpc/server";
import { and, type Availability, count, type Database, drivers, eq, inArray, trips } from "@convoy/db";
import type { Bus } from "../events/bus";
import { ACTIVE_TRIP_STATUSES } from "../lib/tripStatuses";
import { publishAvailability } from "../tracking/messages";

/**
 * Sets a driver's own availability and announces it to the fleet feed. While they have an
 * active trip it stays `busy`, and they cannot declare themselves busy without one.
 */
export async function setAvailability(deps: { db: Database; bus: Bus }, driverId: number, availability: Availability): Promise<Availability> {
  const { db } = deps;
  const [active] = await db
    .select({ n: count() })
    .from(trips)
    .where(and(eq(trips.driverId, driverId), inArray(trips.status, [...ACTIVE_TRIP_STATUSES])));
  const hasActiveTrip = (active?.n ?? 0) > 0;
  if (hasActiveTrip && availability !== "busy") {
    throw new TRPCError({ code: "CONFLICT", message: "You have an active trip; you stay busy until it ends" });
  }
  if (!hasActiveTrip && availability === "busy") {
    throw new TRPCError({ code: "BAD_REQUEST", message: "Busy is set automatically while you have a trip; choose available or offline" });
  }
  await db.update(drivers).set({ availability }).where(eq(drivers.userId, driverId));
  publishAvailability(deps.bus, driverId, availability);
  return availability;
}
