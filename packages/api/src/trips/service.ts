import { inArray, trips } from "@convoy/db";
import type { Logger } from "pino";
import type { CommitDeps, Emit } from "../events/commit";
import type { EventPump, PumpSubscription } from "../events/pump";
import { ACTIVE_TRIP_STATUSES } from "../lib/tripStatuses";
import { haversineKm } from "../lib/geo";
import type { ConnectionBacklog } from "../lib/socketBacklog";
import type { Tx } from "../lib/transaction";
import type { RideOfferExpiry } from "../offers/sweeper";
import { createOsrmEngine, NO_ROUTING_ENGINE, type RoutingEngine } from "../routing/engine";
import type { PlaceService } from "../places/service";
import type { PositionReport, TrackingService } from "../tracking/service";
import { ActiveTrips } from "./activeTrips";
import type { ArrivalGuardContext } from "./arrivalGuard";
import { MoveNotices } from "./moveNotices";
import { continueRideSearch, type DispatchContext } from "./dispatch";
import { tripSettings, type TripOptions, type TripSettings } from "./settings";
import { arriveAutomatically } from "./status";
import { toTripEvent } from "./tripEvents";
import { TripRoutes } from "./tripRoutes";
import { watchTrip, type TripTrackingFrame, type TripWatchStats } from "./tripWatch";
import type { TripViewer } from "./views";

export interface TripServiceDeps extends CommitDeps {
  /** The whole pump: trips follow the `trips` stream too. */
  pump: EventPump;
  logger: Logger;
  tracking: TrackingService;
  /** Saved places, for trips whose pickup is guarded by one. */
  places: Pick<PlaceService, "contains">;
}

/**
 * The live side of trips, one per process: offers a ride to its next wave of drivers when
 * the current wave's offer expires (as the offer sweeper's `RideOfferExpiry`), keeps the
 * active trips in memory from the `trips` stream, tags location points with their trip,
 * moves a trip to `arrived` when its driver reaches the pickup, and serves `tracking.onTrip`
 * with ETAs and routes from the routing engine when one is configured.
 */
export class TripService implements RideOfferExpiry {
  readonly settings: TripSettings;
  /** What ride dispatch reads besides MySQL: settings, live positions and the routing engine. */
  readonly dispatch: DispatchContext;
  /** What the arrival guard reads besides MySQL: the default radius and live positions. */
  readonly guard: ArrivalGuardContext;
  /** The routing engine at `routingUrl`, or none; every caller falls back to an estimate. */
  readonly routing: RoutingEngine;
  /** Route lines and ETAs of followed trips, shared by the `onTrip` streams. */
  private readonly routes: TripRoutes;
  readonly active = new ActiveTrips();
  /** Frames every `onTrip` stream of this process has sent, and moves they conflated. */
  readonly watchStats: TripWatchStats = { frames: 0, movesConflated: 0 };
  private readonly moves: MoveNotices;
  /** Trips whose automatic arrival is being written, so a burst of reports writes once. */
  private readonly arriving = new Set<number>();
  private subscription: PumpSubscription | null = null;
  private following: Promise<void> | null = null;
  private readonly disposers: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly deps: TripServiceDeps,
    options: TripOptions = {},
  ) {
    this.settings = tripSettings(options);
    this.moves = new MoveNotices(this.settings.trackingRoundMs);
    const { routingUrl, routingTimeoutMs } = this.settings;
    this.routing =
      routingUrl === null
        ? NO_ROUTING_ENGINE
        : createOsrmEngine({
            url: routingUrl,
            timeoutMs: routingTimeoutMs,
            onFailure: (reason) => deps.logger.warn({ reason }, "routing engine did not answer; estimating ETAs for a few seconds"),
          });
    this.routes = new TripRoutes(this.routing);
    this.dispatch = { settings: this.settings, livePosition: (driverId) => deps.tracking.positions.get(driverId), routing: this.routing };
    this.guard = { defaultRadiusM: this.settings.arrivalRadiusM, positionOf: (driverId) => deps.tracking.positions.get(driverId) };
  }

  /** Loads active trips and starts following the `trips` stream and driver reports. */
  async start(): Promise<void> {
    await this.follow();
    const { tracking } = this.deps;
    tracking.setTripIdResolver((driverId) => this.active.forDriver(driverId)[0]?.id ?? null);
    this.disposers.push(
      tracking.onPositionReported((report) => this.checkArrival(report)),
      tracking.positions.onChange((driverId) => this.moves.moved(driverId)),
      () => this.moves.stop(),
    );
  }

  /** Stops following; open `onTrip` streams end with the pump's queues. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const dispose of this.disposers.splice(0)) dispose();
    this.deps.tracking.setTripIdResolver(() => null);
    this.subscription?.unsubscribe();
    this.subscription?.queue.end();
    await this.following;
  }

  /** `RideOfferExpiry`: called by the offer sweeper inside the expiring transaction. */
  rideOfferExpired(tx: Tx, emit: Emit, tripId: number): Promise<void> {
    return continueRideSearch(tx, emit, this.dispatch, tripId);
  }

  /** `tracking.onTrip`: see `watchTrip`. */
  watch(viewer: TripViewer, tripId: number, signal?: AbortSignal, backlog?: ConnectionBacklog | null): AsyncGenerator<TripTrackingFrame> {
    return watchTrip(
      {
        db: this.deps.db,
        pump: this.deps.pump,
        positionOf: (driverId) => this.deps.tracking.positions.get(driverId),
        onDriverMoved: (driverId, listener) => this.moves.listen(driverId, listener),
        estimate: this.settings,
        routes: this.routes,
        stats: this.watchStats,
      },
      viewer,
      tripId,
      signal,
      backlog,
    );
  }

  /**
   * Subscribes to the pump first and then loads the active trips, so nothing falls between;
   * events that arrive for a state the load already shows are ignored by `ActiveTrips`. If
   * the subscription falls too far behind, it starts over the same way.
   */
  private async follow(): Promise<void> {
    const subscription = this.deps.pump.subscribe({ stream: "trips" }, (event) => event.stream === "trips");
    this.subscription = subscription;
    this.active.clear();
    const rows = await this.deps.db
      .select({
        id: trips.id,
        driverId: trips.driverId,
        riderId: trips.riderId,
        status: trips.status,
        pickupLat: trips.pickupLat,
        pickupLng: trips.pickupLng,
        dropoffLat: trips.dropoffLat,
        dropoffLng: trips.dropoffLng,
        arrivalRadiusM: trips.arrivalRadiusM,
        pickupPlaceId: trips.pickupPlaceId,
        reassignments: trips.reassignments,
      })
      .from(trips)
      .where(inArray(trips.status, [...ACTIVE_TRIP_STATUSES]));
    for (const row of rows) {
      this.active.apply({
        id: row.id,
        driverId: row.driverId,
        riderId: row.riderId,
        status: row.status,
        pickup: { lat: row.pickupLat, lng: row.pickupLng },
        dropoff: { lat: row.dropoffLat, lng: row.dropoffLng },
        arrivalRadiusM: row.arrivalRadiusM,
        pickupPlaceId: row.pickupPlaceId,
        reassignments: row.reassignments,
      });
    }
    this.following = this.consume(subscription);
  }

  private async consume(subscription: PumpSubscription): Promise<void> {
    try {
      for await (const event of subscription.queue.drain()) {
        const { trip } = toTripEvent(event);
        this.active.apply({
          id: trip.id,
          driverId: trip.driver?.id ?? null,
          riderId: trip.rider?.id ?? null,
          status: trip.status,
          pickup: trip.pickup,
          dropoff: trip.dropoff,
          arrivalRadiusM: trip.arrivalRadiusM,
          // Absent from trip events written before places existed.
          pickupPlaceId: trip.pickupPlaceId ?? null,
          reassignments: trip.reassignments,
        });
      }
    } catch (error) {
      subscription.unsubscribe();
      if (this.stopped) return;
      this.deps.logger.warn({ err: error }, "trip directory fell behind; reloading active trips");
      await this.follow().catch((reloadError: unknown) => this.deps.logger.error({ err: reloadError }, "reloading active trips failed"));
    }
  }

  /**
   * Runs on the instance that received the report, so each report is checked once. Only a
   * trip this process knows is en route is looked at, so ordinary reports touch no database;
   * they also start no async work (this runs for every report). Each trip's own arrival
   * radius applies, as it does to the driver's own "arrived", or the place guarding its
   * pickup when it has one (while this process knows that place).
   */
  private checkArrival(report: PositionReport): Promise<void> | undefined {
    let arrived: number[] | undefined;
    for (const trip of this.active.forDriver(report.driverId)) {
      if (trip.status !== "en_route" || this.arriving.has(trip.id)) continue;
      const placeId = trip.pickupPlaceId ?? null;
      const radiusKm = (trip.arrivalRadiusM ?? this.settings.arrivalRadiusM) / 1_000;
      const atPickup = (point: { lat: number; lng: number }) =>
        (placeId === null ? undefined : this.deps.places.contains(placeId, point)) ?? haversineKm(point, trip.pickup) <= radiusKm;
      if (report.points.some(atPickup)) (arrived ??= []).push(trip.id);
    }
    return arrived && this.arrive(report.driverId, arrived);
  }

  private async arrive(driverId: number, tripIds: readonly number[]): Promise<void> {
    for (const tripId of tripIds) {
      if (this.arriving.has(tripId)) continue;
      this.arriving.add(tripId);
      try {
        await arriveAutomatically(this.deps, driverId, tripId);
      } finally {
        this.arriving.delete(tripId);
      }
    }
  }
}
