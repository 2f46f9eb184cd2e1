import { alias } from "drizzle-orm/mysql-core";
import { type DbOrTx, drivers, eq, type Trip, type TripKind, trips, type TripStatus, users, type VehicleType } from "@convoy/db";
import { haversineKm } from "../lib/geo";

/** Who is looking at trips. */
export interface TripViewer {
  userId: number;
  role: "dispatcher" | "driver" | "rider";
}

export interface Place {
  address: string;
  lat: number;
  lng: number;
}

/** The driver as the rider sees them: enough to recognise the car. */
export interface TripDriver {
  id: number;
  name: string;
  vehicleType: VehicleType;
  /** Average stars, two decimals; null before the first rating. */
  rating: number | null;
  ratingCount: number;
}

/**
 * A trip as its rider, its driver and every dispatcher see it (they all see the same).
 * Money is integer cents; times are ISO strings, null until the status is reached.
 */
export interface TripView {
  id: number;
  kind: TripKind;
  status: TripStatus;
  rider: { id: number; name: string } | null;
  driver: TripDriver | null;
  /** The offer that won the trip; null while a ride is still being offered. */
  offerId: number | null;
  pickup: Place;
  dropoff: Place;
  /** Great-circle pickup → dropoff distance, km. */
  distanceKm: number;
  /** The fare estimate while requested, then the agreed fare, integer cents. */
  fareCents: number | null;
  /** Which wave (0-based) of its search the ride offer is on. */
  searchRing: number;
  /**
   * The trip's own arrival radius, metres: how near the pickup (arrival) and dropoff
   * (completion) the driver must be to move it without an override reason. Null: the
   * server's default (100 m unless configured).
   */
  arrivalRadiusM: number | null;
  /**
   * Saved places guarding the pickup and the dropoff instead of the radius
   * (`trips.setArrivalPlace`): the driver must be inside them. Null: the radius applies.
   */
  pickupPlaceId: number | null;
  dropoffPlaceId: number | null;
  /** How many times a dispatcher handed it to another driver; orders the trip's states with `status`. */
  reassignments: number;
  /** The vehicle class the rider asked for; null for a load, or a ride any passenger vehicle may take. */
  vehicleClass: Trip["vehicleClass"];
  /** Why it was cancelled: the rider's or dispatcher's words, or `no_driver`. */
  cancelReason: string | null;
  /** The rider's stars (1–5) and comment, once rated. */
  rating: number | null;
  ratingComment: string | null;
  requestedAt: string | null;
  assignedAt: string | null;
  enRouteAt: string | null;
  arrivedAt: string | null;
  inProgressAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  createdAt: string;
}

/** One page of `trips.list`. */
export interface TripPage {
  items: TripView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: number | null;
}

const riderUsers = alias(users, "rider_user");
const driverUsers = alias(users, "driver_user");

/** Trips joined to their rider and driver; add a WHERE for the rows wanted. */
export function selectTripRows(db: DbOrTx) {
  return db
    .select({
      trip: trips,
      riderName: riderUsers.name,
      driverName: driverUsers.name,
      vehicleType: drivers.vehicleType,
      ratingSum: drivers.ratingSum,
      ratingCount: drivers.ratingCount,
    })
    .from(trips)
    .leftJoin(riderUsers, eq(riderUsers.id, trips.riderId))
    .leftJoin(driverUsers, eq(driverUsers.id, trips.driverId))
    .leftJoin(drivers, eq(drivers.userId, trips.driverId))
    .$dynamic();
}

export interface TripRow {
  trip: Trip;
  riderName: string | null;
  driverName: string | null;
  vehicleType: VehicleType | null;
  ratingSum: number | null;
  ratingCount: number | null;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toTripView({ trip, riderName, driverName, vehicleType, ratingSum, ratingCount }: TripRow): TripView {
  const pickup = { address: trip.pickupAddress, lat: trip.pickupLat, lng: trip.pickupLng };
  const dropoff = { address: trip.dropoffAddress, lat: trip.dropoffLat, lng: trip.dropoffLng };
  const count = ratingCount ?? 0;
  return {
    id: trip.id,
    kind: trip.kind,
    status: trip.status,
    rider: trip.riderId === null ? null : { id: trip.riderId, name: riderName ?? "" },
    driver:
      trip.driverId === null || vehicleType === null
        ? null
        : {
            id: trip.driverId,
            name: driverName ?? "",
            vehicleType,
            rating: count > 0 ? Math.round(((ratingSum ?? 0) / count) * 100) / 100 : null,
            ratingCount: count,
          },
    offerId: trip.offerId,
    pickup,
    dropoff,
    distanceKm: Math.round(haversineKm(pickup, dropoff) * 1_000) / 1_000,
    fareCents: trip.fareCents,
    searchRing: trip.searchRing,
    arrivalRadiusM: trip.arrivalRadiusM,
    pickupPlaceId: trip.pickupPlaceId,
    dropoffPlaceId: trip.dropoffPlaceId,
    reassignments: trip.reassignments,
    vehicleClass: trip.vehicleClass,
    cancelReason: trip.cancelReason,
    rating: trip.rating,
    ratingComment: trip.ratingComment,
    requestedAt: iso(trip.requestedAt),
    assignedAt: iso(trip.assignedAt),
    enRouteAt: iso(trip.enRouteAt),
    arrivedAt: iso(trip.arrivedAt),
    inProgressAt: iso(trip.inProgressAt),
    completedAt: iso(trip.completedAt),
    cancelledAt: iso(trip.cancelledAt),
    createdAt: trip.createdAt.toISOString(),
  };
}

/** One trip's view with no viewer filter, for code that already authorized (or inside a transaction). */
export async function readTripView(db: DbOrTx, tripId: number): Promise<TripView | null> {
  const [row] = await selectTripRows(db).where(eq(trips.id, tripId));
  return row ? toTripView(row) : null;
}

/** Whether `viewer` may see `trip`: its rider, its driver, or any dispatcher. */
export function canSeeTrip(trip: Pick<Trip, "riderId" | "driverId">, viewer: TripViewer): boolean {
  switch (viewer.role) {
    case "dispatcher":
      return true;
    case "driver":
      return trip.driverId === viewer.userId;
    case "rider":
      return trip.riderId === viewer.userId;
  }
}
