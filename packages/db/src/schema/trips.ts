import { mysqlTable, varchar, mysqlEnum, int, tinyint, index, uniqueIndex, type AnyMySqlColumn } from "drizzle-orm/mysql-core";
import { primaryId, createdAt, idRef, utcTime, coordinate } from "./columns";
import { users, drivers, type VehicleType } from "./users";
// offers and trips reference each other; the lazy `references(() => …)` reads the other
// table only after both modules have loaded, which is Drizzle's way for a two-way key.
// eslint-disable-next-line import-x/no-cycle
import { offers } from "./offers";
import { places } from "./places";

export const tripKinds = ["load", "ride"] as const;
export type TripKind = (typeof tripKinds)[number];

/**
 * The vehicle classes a rider may ask for: the passenger vehicles among `vehicleTypes`.
 * A ride is offered only to drivers whose `vehicle_type` is the class asked for.
 */
export const rideVehicleClasses = ["car", "suv", "van"] as const satisfies readonly VehicleType[];
export type RideVehicleClass = (typeof rideVehicleClasses)[number];

export const tripStatuses = ["requested", "assigned", "en_route", "arrived", "in_progress", "completed", "cancelled"] as const;
export type TripStatus = (typeof tripStatuses)[number];

export const trips = mysqlTable(
  "trips",
  {
    id: primaryId(),
    kind: mysqlEnum("kind", tripKinds).notNull(),
    riderId: idRef("rider_id").references(() => users.id),
    driverId: idRef("driver_id").references(() => drivers.userId),
    // Unique: one trip per offer. NULL (a ride still being offered) may repeat.
    offerId: idRef("offer_id").references((): AnyMySqlColumn => offers.id),
    pickupAddress: varchar("pickup_address", { length: 255 }).notNull(),
    pickupLat: coordinate("pickup_lat").notNull(),
    pickupLng: coordinate("pickup_lng").notNull(),
    dropoffAddress: varchar("dropoff_address", { length: 255 }).notNull(),
    dropoffLat: coordinate("dropoff_lat").notNull(),
    dropoffLng: coordinate("dropoff_lng").notNull(),
    status: mysqlEnum("status", tripStatuses).notNull(),
    cancelReason: varchar("cancel_reason", { length: 255 }),
    fareCents: int("fare_cents"),
    /** The class a ride was requested for; NULL for a load, or a ride any passenger vehicle may take. */
    vehicleClass: mysqlEnum("vehicle_class", rideVehicleClasses),
    searchRing: int("search_ring").notNull().default(0),
    /**
     * How close the driver's position must be to the pickup (arrival) or the dropoff
     * (completion) for the move to go through without an override reason, in metres.
     * NULL: the server's default (`TripOptions.arrivalRadiusM`, 100 m unless configured).
     */
    arrivalRadiusM: int("arrival_radius_m"),
    /**
     * Saved places that guard the pickup (arrival) and dropoff (completion) instead of the
     * radius: the driver must be inside the place's area. NULL: the radius applies.
     */
    pickupPlaceId: idRef("pickup_place_id").references(() => places.id, { onDelete: "set null" }),
    dropoffPlaceId: idRef("dropoff_place_id").references(() => places.id, { onDelete: "set null" }),
    /**
     * How many times a dispatcher handed the trip to another driver. A reassigned trip can go
     * back to `assigned`, so live copies order a trip's states by (reassignments, status).
     */
    reassignments: int("reassignments").notNull().default(0),
    rating: tinyint("rating"),
    ratingComment: varchar("rating_comment", { length: 1000 }),
    requestedAt: utcTime("requested_at"),
    assignedAt: utcTime("assigned_at"),
    enRouteAt: utcTime("en_route_at"),
    arrivedAt: utcTime("arrived_at"),
    inProgressAt: utcTime("in_progress_at"),
    completedAt: utcTime("completed_at"),
    cancelledAt: utcTime("cancelled_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("trips_offer_unique").on(t.offerId),
    index("trips_rider_idx").on(t.riderId, t.id),
    index("trips_driver_status_idx").on(t.driverId, t.status),
    index("trips_status_idx").on(t.status, t.id),
  ],
);

export const tripHistoryTypes = ["guard_override", "reassigned", "cancelled", "proof_waived"] as const;
export type TripHistoryType = (typeof tripHistoryTypes)[number];

/**
 * What happened to a trip besides its status stamps, in order: a move made away from the
 * pickup or dropoff with the driver's reason (`guard_override`), a dispatcher handing the
 * trip to another driver (`reassigned`), a cancellation by a person (`cancelled`), a
 * dispatcher letting a load be delivered without proof of delivery (`proof_waived`). Rows are
 * only ever inserted; the same facts travel on the trip's event stream.
 */
export const tripHistory = mysqlTable(
  "trip_history",
  {
    id: primaryId(),
    tripId: idRef("trip_id")
      .notNull()
      .references(() => trips.id),
    type: mysqlEnum("type", tripHistoryTypes).notNull(),
    /** Who did it: the driver who overrode, the dispatcher who reassigned or waived, the canceller. */
    actorId: idRef("actor_id").references(() => users.id),
    /** For an override, the status the driver moved the trip to (`arrived` or `completed`). */
    status: mysqlEnum("status", tripStatuses),
    /** The person's words: why they overrode, reassigned, cancelled or waived proof. */
    reason: varchar("reason", { length: 255 }),
    /** For an override: how far the driver's last known position was, in metres; NULL when none was known. */
    distanceM: int("distance_m"),
    /** For an override: the radius that applied, in metres. */
    radiusM: int("radius_m"),
    fromDriverId: idRef("from_driver_id").references(() => users.id),
    toDriverId: idRef("to_driver_id").references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index("trip_history_trip_idx").on(t.tripId, t.id)],
);
