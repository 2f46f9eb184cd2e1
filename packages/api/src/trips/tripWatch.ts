import { TRPCError } from "@trpc/server";
import { type Database, eq, trips, type TripStatus } from "@convoy/db";
import type { EventPump } from "../events/pump";
import type { StoredEvent } from "../events/types";
import { notFound } from "../lib/errors";
import type { LatLng } from "../lib/geo";
import type { ConnectionBacklog } from "../lib/socketBacklog";
import type { LivePosition } from "../tracking/latestPositions";
import { estimateEta, type EstimateSettings, type EtaSource, etaTarget } from "./eta";
import { isLaterTripState } from "./statusMachine";
import { toTripEvent } from "./tripEvents";
import type { TripRoutes } from "./tripRoutes";
import type { TripViewer } from "./views";

/**
 * One frame of `tracking.onTrip`. Times are epoch ms, like every tracking stream.
 * - snapshot: the first frame, the state when the subscription began
 * - position: the driver moved, or their route to the target was (re)computed
 * - status:   the trip moved on; after `completed` or `cancelled` the stream ends
 * - driver:   a dispatcher handed the trip to another driver, who is followed from now on
 */
export interface TripTrackingFrame {
  kind: "snapshot" | "position" | "status" | "driver";
  tripId: number;
  status: TripStatus;
  driverId: number;
  /** The driver's newest known position; null if none is known yet. */
  position: LivePosition | null;
  /** Where the ETA points: the pickup until the driver arrives, then the dropoff; null once ended. */
  target: "pickup" | "dropoff" | null;
  /** Km to the target (along the road for a `route` ETA, great-circle for an `estimate`); null without a position or target. */
  distanceKm: number | null;
  /** Whole seconds to the target; null without a position or target. */
  etaSeconds: number | null;
  /**
   * Where the ETA came from: `route`, the routing engine's road and duration; `estimate`,
   * straight-line km times the detour factor at a speed (no engine, or no answer yet).
   * Null without an ETA.
   */
  etaSource: EtaSource | null;
  /**
   * The driver's road to the target from the routing engine, start to end. Sent in the
   * snapshot and whenever it changes (null: there is none, e.g. no engine, or the target
   * changed and no new route came yet); absent from frames where it did not change.
   */
  route?: LatLng[] | null;
  /** Server time the frame was built, epoch ms. */
  at: number;
}

/** Frames `watchTrip` streams have sent, shared by all of a process's streams, for the server's metrics. */
export interface TripWatchStats {
  /** Frames yielded (snapshots, positions, statuses). */
  frames: number;
  /** Driver moves folded into a position frame not yet sent (a slow reader, or moves closer than a frame). */
  movesConflated: number;
}

export interface TripWatchDeps {
  db: Database;
  pump: EventPump;
  /** The driver's newest position from the in-memory store; never MySQL. */
  positionOf: (driverId: number) => LivePosition | undefined;
  /** Calls `listener` whenever the driver's position moves forward; returns an unsubscribe function. */
  onDriverMoved: (driverId: number, listener: () => void) => () => void;
  /** What an estimated ETA assumes: city speed and detour factor. */
  estimate: EstimateSettings;
  /** Routes from the routing engine, shared by the process's streams; reading never waits. */
  routes: TripRoutes;
  /** Counted in place. */
  stats: TripWatchStats;
}

const WATCHABLE: readonly TripStatus[] = ["assigned", "en_route", "arrived", "in_progress"];

function refusal(status: TripStatus): TRPCError {
  const message =
    status === "requested"
      ? "This trip has no driver yet; track it once a driver accepts"
      : `This trip is ${status}; there is no driver to follow any more`;
  return new TRPCError({ code: "PRECONDITION_FAILED", message });
}

/**
 * Follows one trip's driver for its rider or a dispatcher: a snapshot, then a frame per
 * position the driver reports (from memory, never MySQL), per status change and per new
 * route, each with the distance and ETA to where the driver is heading: along the routing
 * engine's route when it has one, else estimated. A frame never waits for the engine: the
 * route is asked for in the background and arrives in a later frame. Ends after `completed` or
 * `cancelled`. Drivers are FORBIDDEN (they know where they are); someone else's trip is
 * NOT_FOUND; a trip without a driver, or one that already ended, is PRECONDITION_FAILED.
 *
 * Frames are built when they are sent, from the newest position, so moves conflate: while
 * the connection's `backlog` is behind, nothing is built and moves only set a flag; once
 * the reader caught up it gets one frame with where the driver is now (status frames are
 * held the same way, in order, none dropped). A reassigned trip switches to its new driver.
 */
export async function* watchTrip(
  deps: TripWatchDeps,
  viewer: TripViewer,
  tripId: number,
  signal?: AbortSignal,
  backlog?: ConnectionBacklog | null,
): AsyncGenerator<TripTrackingFrame> {
  if (viewer.role === "driver") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "Trip tracking is for the rider and dispatchers; drivers follow their trips with trips.events",
    });
  }

  let wake: (() => void) | null = null;
  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  // Listen before reading the row, so no status change can fall between the two.
  const subscription = deps.pump.subscribe({ tripId }, (event) => event.stream === "trips" && event.tripId === tripId);
  const pending: StoredEvent[] = [];
  // Written by the callbacks below, read by the loop; an object so neither side narrows it.
  const flags: { moved: boolean; rerouted: boolean; closed: boolean; failure: Error | null } = {
    moved: false,
    rerouted: false,
    closed: false,
    failure: null,
  };
  const consumer = (async () => {
    try {
      for await (const event of subscription.queue.drain(signal)) {
        pending.push(event);
        notify();
      }
    } catch (error) {
      flags.failure = error instanceof Error ? error : new Error(String(error));
    }
    // Ended by the pump (shutdown), by the abort, or by the failure above.
    flags.closed = true;
    notify();
  })();
  let stopMoves: () => void = () => undefined;
  let stopRoute: () => void = () => undefined;
  signal?.addEventListener("abort", notify, { once: true });

  try {
    const [row] = await deps.db
      .select({
        riderId: trips.riderId,
        driverId: trips.driverId,
        status: trips.status,
        reassignments: trips.reassignments,
        pickupLat: trips.pickupLat,
        pickupLng: trips.pickupLng,
        dropoffLat: trips.dropoffLat,
        dropoffLng: trips.dropoffLng,
      })
      .from(trips)
      .where(eq(trips.id, tripId));
    if (!row || (viewer.role === "rider" && row.riderId !== viewer.userId)) throw notFound("Trip");
    if (!WATCHABLE.includes(row.status) || row.driverId === null) throw refusal(row.status);
    let driverId: number = row.driverId;

    const places: Record<"pickup" | "dropoff", LatLng> = {
      pickup: { lat: row.pickupLat, lng: row.pickupLng },
      dropoff: { lat: row.dropoffLat, lng: row.dropoffLng },
    };
    let status = row.status;
    let reassignments = row.reassignments;
    const { stats } = deps;
    const followMoves = (id: number) =>
      deps.onDriverMoved(id, () => {
        if (flags.moved) stats.movesConflated++;
        flags.moved = true;
        notify();
      });
    stopMoves = followMoves(driverId);
    stopRoute = deps.routes.follow(tripId, () => {
      flags.rerouted = true;
      notify();
    });
    /** The route version this stream last sent; -1 before the snapshot. */
    let sentRoute = -1;

    const frame = (kind: TripTrackingFrame["kind"]): TripTrackingFrame => {
      stats.frames++;
      const position = deps.positionOf(driverId) ?? null;
      const target = etaTarget(status);
      const routed = position && target ? deps.routes.current(tripId, target, position, places[target]) : null;
      const eta = routed?.eta ?? (position && target ? estimateEta(position, places[target], position.speedMps, deps.estimate) : null);
      const built: TripTrackingFrame = {
        kind,
        tripId,
        status,
        driverId,
        position,
        target,
        distanceKm: eta?.distanceKm ?? null,
        etaSeconds: eta?.etaSeconds ?? null,
        etaSource: eta?.source ?? null,
        at: Date.now(),
      };
      const version = routed?.version ?? 0;
      if (version !== sentRoute) {
        sentRoute = version;
        built.route = routed?.route?.line ?? null;
      }
      return built;
    };

    yield frame("snapshot");
    for (;;) {
      if (backlog?.behind && !flags.closed && !signal?.aborted) {
        await backlog.caughtUp(signal);
        continue;
      }
      const event = pending.shift();
      if (event) {
        const next = toTripEvent(event).trip;
        if (!isLaterTripState(next, { status, reassignments })) continue;
        status = next.status;
        reassignments = next.reassignments;
        if (next.driver && next.driver.id !== driverId) {
          stopMoves();
          driverId = next.driver.id;
          stopMoves = followMoves(driverId);
          yield frame("driver");
          continue;
        }
        yield frame("status");
        if (status === "completed" || status === "cancelled") return;
        continue;
      }
      if (flags.moved || flags.rerouted) {
        flags.moved = false;
        flags.rerouted = false;
        yield frame("position");
        continue;
      }
      if (flags.failure) throw flags.failure;
      if (flags.closed || signal?.aborted) return;
      // Nothing awaits between the checks above and this line, so no notification is lost.
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal?.removeEventListener("abort", notify);
    stopMoves();
    stopRoute();
    subscription.unsubscribe();
    subscription.queue.end();
    await consumer;
  }
}
