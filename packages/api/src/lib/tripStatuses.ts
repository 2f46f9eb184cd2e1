import type { TripStatus } from "@convoy/db";

/** Trip statuses during which a driver is on the trip: busy whatever they chose, and followable on a map. */
export const ACTIVE_TRIP_STATUSES = ["assigned", "en_route", "arrived", "in_progress"] as const satisfies readonly TripStatus[];

/** Trip statuses a trip can still move on from: waiting for a driver, or active. */
export const OPEN_TRIP_STATUSES = ["requested", ...ACTIVE_TRIP_STATUSES] as const satisfies readonly TripStatus[];
