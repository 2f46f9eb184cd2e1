import type { TripStatus } from "@convoy/db";
import type { LatLng } from "../lib/geo";
import { ACTIVE_TRIP_STATUSES } from "../lib/tripStatuses";
import { isLaterTripState } from "./statusMachine";

/** What live features need to know about a trip with a driver, without reading MySQL. */
export interface ActiveTrip {
  id: number;
  driverId: number;
  riderId: number | null;
  status: TripStatus;
  pickup: LatLng;
  dropoff: LatLng;
  /** The trip's own arrival radius, metres; null for the server's default. */
  arrivalRadiusM: number | null;
  /** The saved place guarding the pickup instead of the radius; null or absent: the radius. */
  pickupPlaceId?: number | null;
  /** Orders the trip's states with `status` (a reassigned trip can go back to `assigned`). */
  reassignments: number;
}

/** Ended trip ids remembered. @default 10_000 */
const MAX_REMEMBERED_ENDED = 10_000;

const isActive = (status: TripStatus) => (ACTIVE_TRIP_STATUSES as readonly TripStatus[]).includes(status);

/**
 * Every trip that has a driver and has not ended, in memory, by trip and by driver. Loaded
 * at start and kept current from the `trips` event stream, so every instance knows which
 * trip a position report belongs to and which drivers are heading to a pickup.
 *
 * A trip's state only ever moves forward here, by (reassignments, status): during start-up
 * an event older than the loaded row can arrive, and it must not undo what the row already
 * shows. A copy in the same state replaces the known one, since it may carry a new radius.
 */
export class ActiveTrips {
  private readonly byId = new Map<number, ActiveTrip>();
  private readonly byDriver = new Map<number, Set<number>>();
  /**
   * Recently ended trips, so a late, older event cannot bring one back. Such events only
   * arrive in the moments after a (re)load, so a bounded memory is enough.
   */
  private readonly ended = new Set<number>();

  /** Records a trip's newest state; trips without a driver or past their end are dropped. */
  apply(trip: ActiveTrip | (Omit<ActiveTrip, "driverId"> & { driverId: number | null })): void {
    const known = this.byId.get(trip.id);
    if (known && isLaterTripState(known, trip)) return;
    if (!isActive(trip.status) || trip.driverId === null) {
      if (trip.status === "completed" || trip.status === "cancelled") this.rememberEnded(trip.id);
      this.remove(trip.id);
      return;
    }
    if (this.ended.has(trip.id)) return;
    this.remove(trip.id);
    this.byId.set(trip.id, { ...trip, driverId: trip.driverId });
    let set = this.byDriver.get(trip.driverId);
    if (!set) this.byDriver.set(trip.driverId, (set = new Set()));
    set.add(trip.id);
  }

  get(tripId: number): ActiveTrip | undefined {
    return this.byId.get(tripId);
  }

  /** The driver's active trips, newest first (usually one). */
  forDriver(driverId: number): ActiveTrip[] {
    const ids = this.byDriver.get(driverId);
    if (!ids) return [];
    // It runs for every position report; a driver has one trip at a time nearly always.
    if (ids.size === 1) {
      const [only] = ids;
      const trip = only === undefined ? undefined : this.byId.get(only);
      return trip ? [trip] : [];
    }
    return [...ids].sort((a, b) => b - a).flatMap((id) => this.byId.get(id) ?? []);
  }

  /** Forgets everything, before a reload. */
  clear(): void {
    this.byId.clear();
    this.byDriver.clear();
    this.ended.clear();
  }

  get size(): number {
    return this.byId.size;
  }

  private rememberEnded(tripId: number): void {
    this.ended.add(tripId);
    // A Set iterates in insertion order: the first entry is the oldest.
    if (this.ended.size > MAX_REMEMBERED_ENDED) this.ended.delete(this.ended.values().next().value!);
  }

  private remove(tripId: number): void {
    const known = this.byId.get(tripId);
    if (!known) return;
    this.byId.delete(tripId);
    const set = this.byDriver.get(known.driverId);
    set?.delete(tripId);
    if (set?.size === 0) this.byDriver.delete(known.driverId);
  }
}
