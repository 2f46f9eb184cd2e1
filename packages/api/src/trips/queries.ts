import { and, type DbOrTx, desc, eq, inArray, lt, type SQL, trips } from "@convoy/db";
import type { ListTripsInput } from "./schemas";
import { selectTripRows, toTripView, type TripPage, type TripView, type TripViewer } from "./views";

/** The rows `viewer` may see: a rider their own trips, a driver theirs, a dispatcher all. */
function visibleTo(viewer: TripViewer): SQL | undefined {
  switch (viewer.role) {
    case "dispatcher":
      return undefined;
    case "driver":
      return eq(trips.driverId, viewer.userId);
    case "rider":
      return eq(trips.riderId, viewer.userId);
  }
}

/** One trip as `viewer` may see it, or null when it does not exist or is not theirs. */
export async function getTrip(db: DbOrTx, viewer: TripViewer, tripId: number): Promise<TripView | null> {
  const [row] = await selectTripRows(db).where(and(eq(trips.id, tripId), visibleTo(viewer)));
  return row ? toTripView(row) : null;
}

/** The viewer's trips, newest first, paged by id. */
export async function listTrips(db: DbOrTx, viewer: TripViewer, input: ListTripsInput): Promise<TripPage> {
  const rows = await selectTripRows(db)
    .where(
      and(visibleTo(viewer), input.status ? inArray(trips.status, input.status) : undefined, input.cursor ? lt(trips.id, input.cursor) : undefined),
    )
    .orderBy(desc(trips.id))
    .limit(input.limit + 1);
  const items = rows.slice(0, input.limit).map(toTripView);
  return { items, nextCursor: rows.length > input.limit ? (items.at(-1)?.id ?? null) : null };
}
