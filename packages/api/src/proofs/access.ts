import { type DbOrTx, eq, offers, type Trip, trips } from "@convoy/db";
import type { TripViewer } from "../trips/views";

/**
 * Whether `viewer` may see `trip`'s proof of delivery: its driver, its rider, and for a
 * load the dispatcher whose offer it is. A ride (dispatched by the system, its offer made
 * in the rider's name) is any dispatcher's, as the trip itself is.
 */
async function mayView(db: DbOrTx, viewer: TripViewer, trip: Trip): Promise<boolean> {
  switch (viewer.role) {
    case "driver":
      return trip.driverId === viewer.userId;
    case "rider":
      return trip.riderId === viewer.userId;
    case "dispatcher": {
      if (trip.kind === "ride") return true;
      if (trip.offerId === null) return false;
      const [offer] = await db.select({ createdBy: offers.createdBy }).from(offers).where(eq(offers.id, trip.offerId));
      return offer?.createdBy === viewer.userId;
    }
  }
}

/** The trip, when it exists and `viewer` may see its proof of delivery; null otherwise (answer NOT_FOUND). */
export async function tripForProofViewer(db: DbOrTx, viewer: TripViewer, tripId: number): Promise<Trip | null> {
  const [trip] = await db.select().from(trips).where(eq(trips.id, tripId));
  return trip && (await mayView(db, viewer, trip)) ? trip : null;
}
