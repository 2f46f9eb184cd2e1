import { TRPCError } from "@trpc/server";
import type { Database } from "@convoy/db";
import type { Logger } from "pino";
import type { Bus } from "../events/bus";
import type { OpenStream } from "../events/openStream";
import { channels, type PositionMessage } from "../events/channels";
import type { ConnectionBacklog } from "../lib/socketBacklog";
import type { PresenceChange } from "../presence/types";
import { FleetFeed, type FleetFeedStats } from "./fleetFeed";
import type { FleetDriver, FleetFrame } from "./fleetTypes";
import { LatestPositions } from "./latestPositions";
import { insertLocations, LocationWriter, type LocationRow } from "./locationWriter";
import { screenPoints, type AcceptedPoint, type Rejection, type ReportedPoint } from "./points";
import { DriverPositionSync } from "./positionSync";
import { DriverRoster, loadDriverSnapshot, type RosterEntry } from "./roster";

/** Presence as the fleet view needs it (implemented by `PresenceService`). */
export interface PresenceSource {
  isOnline: (userId: number) => boolean;
  onChange: (listener: (change: PresenceChange) => void) => () => void;
}

export interface TrackingOptions {
  /** How often accepted points are written to `locations`, in ms. @default 250 */
  flushIntervalMs?: number;
  /** Points held in memory waiting for MySQL before reports are refused. @default 100_000 */
  maxBufferedPoints?: number;
  /** How often `drivers.lat/lng/position_at` are updated (per driver at most this often), in ms. @default 5_000 */
  positionSyncIntervalMs?: number;
  /** Least time between two fleet frames, in ms. @default 100 */
  frameIntervalMs?: number;
}

export interface ReportResult {
  accepted: number;
  rejected: Rejection[];
}

/**
 * One accepted report, as the instance that received it saw it. This is the hook for work
 * that must happen once per report rather than once per instance: a trip's automatic
 * arrival at pickup, say.
 */
export interface PositionReport {
  driverId: number;
  /** Accepted points, oldest first (never empty). */
  points: AcceptedPoint[];
  /** The newest accepted point. */
  latest: AcceptedPoint;
  /** Server clock at receipt, epoch ms. */
  receivedAt: number;
}

/** What tracking has done since start, for the server's metrics. */
export interface TrackingStats {
  /** Reports with at least one accepted point. */
  reports: number;
  pointsAccepted: number;
  /** Points refused one by one (too old, out of range, ...); see `Rejection`. */
  pointsRejected: number;
  /** Reports refused whole because the location buffer was full (MySQL behind). */
  reportsRefused: number;
  /** Rows accepted but not yet written to `locations` (the writer's queue). */
  pendingLocationRows: number;
  writtenLocationRows: number;
  /** Rows MySQL refused for their content, dropped. */
  droppedLocationRows: number;
  fleet: FleetFeedStats;
}

export type PositionReportListener = (report: PositionReport) => void | Promise<void>;

/** Which trip a driver's points belong to, for `locations.trip_id`; null when none. */
export type TripIdResolver = (driverId: number) => number | null;

/**
 * Live tracking for one process: accepts reports, buffers them into `locations`, keeps the
 * newest position per driver in memory and conflates fleet changes into frames.
 *
 * Positions travel over the bus (`channels.positions`), so with Redis every instance's
 * `positions` and fleet feed see every driver while each point is written once, by the
 * instance that received it.
 */
export class TrackingService {
  /** Newest position per driver; `positions.onChange` is the live hook (every instance). */
  readonly positions = new LatestPositions();
  private readonly roster: DriverRoster;
  private readonly feed: FleetFeed;
  private readonly writer: LocationWriter;
  private readonly positionSync: DriverPositionSync;
  private readonly reportListeners = new Set<PositionReportListener>();
  private tripIdFor: TripIdResolver = () => null;
  private readonly disposers: (() => void)[] = [];
  // Bumped in place on every report; read only when metrics are scraped.
  private reports = 0;
  private pointsAccepted = 0;
  private pointsRejected = 0;
  private reportsRefused = 0;

  constructor(
    private readonly deps: { db: Database; bus: Bus; logger: Logger; presence: PresenceSource },
    options: TrackingOptions = {},
  ) {
    this.roster = new DriverRoster(deps.db, deps.logger, (driverId) => this.feed.markChanged(driverId));
    this.feed = new FleetFeed(
      { driver: (driverId) => this.fleetDriver(driverId), position: (driverId) => this.positions.get(driverId) ?? null, all: () => this.fleet() },
      { frameIntervalMs: options.frameIntervalMs },
    );
    this.writer = new LocationWriter(insertLocations(deps.db), deps.logger, {
      flushIntervalMs: options.flushIntervalMs,
      maxBufferedRows: options.maxBufferedPoints,
    });
    this.positionSync = new DriverPositionSync(deps.db, deps.logger, { intervalMs: options.positionSyncIntervalMs });
  }

  /** Loads every driver and their last persisted position, then starts listening and writing. */
  async start(): Promise<void> {
    for (const row of await loadDriverSnapshot(this.deps.db)) {
      this.roster.add(row);
      if (row.lat !== null && row.lng !== null && row.positionAt) {
        const recordedAt = row.positionAt.getTime();
        this.positions.apply(row.id, {
          lat: row.lat,
          lng: row.lng,
          accuracyM: null,
          headingDeg: null,
          speedMps: null,
          recordedAt,
          receivedAt: recordedAt,
        });
      }
    }
    const { bus, presence } = this.deps;
    this.disposers.push(
      bus.subscribe(channels.positions, (message) => {
        const { driverId, position } = message;
        if (this.positions.apply(driverId, position)) this.touch(driverId, "position");
      }),
      bus.subscribe(channels.availability, (message) => {
        const { driverId, availability } = message;
        if (this.roster.setAvailability(driverId, availability)) this.feed.markChanged(driverId);
      }),
      presence.onChange((change) => {
        if (change.role === "driver") this.touch(change.userId);
      }),
    );
    this.writer.start();
    this.positionSync.start();
  }

  /** Ends fleet streams and writes every buffered point. Call before the pool closes. */
  async stop(): Promise<void> {
    for (const dispose of this.disposers.splice(0)) dispose();
    this.feed.stop();
    await Promise.all([this.writer.stop(), this.positionSync.stop()]);
  }

  /**
   * Takes a driver's batch: screens each point, queues the accepted ones for `locations`,
   * publishes the newest on the bus and tells report listeners. `driverId` is the caller's
   * own id, never an input. Throws SERVICE_UNAVAILABLE, accepting nothing, while MySQL is
   * too far behind to buffer more.
   */
  report(driverId: number, points: readonly ReportedPoint[], receivedAt = Date.now()): ReportResult {
    const { accepted, rejected } = screenPoints(points, receivedAt);
    this.pointsRejected += rejected.length;
    const latest = accepted.at(-1);
    if (!latest) return { accepted: 0, rejected };

    const tripId = this.tripIdFor(driverId);
    if (!this.writer.tryEnqueue(accepted.map((point) => locationRow(point, driverId, tripId)))) {
      this.reportsRefused++;
      throw new TRPCError({
        code: "SERVICE_UNAVAILABLE",
        message: "Positions cannot be stored right now; keep them on the device and retry in a few seconds",
      });
    }
    this.reports++;
    this.pointsAccepted += accepted.length;
    this.positionSync.note(driverId, latest);
    const { lat, lng, accuracyM, headingDeg, speedMps, recordedAt } = latest;
    // Spelled out rather than spread: this runs for every report, and a literal is cheaper.
    const message: PositionMessage = { driverId, position: { lat, lng, accuracyM, headingDeg, speedMps, recordedAt, receivedAt } };
    this.deps.bus.publish(channels.positions, message);
    this.notifyReportListeners({ driverId, points: accepted, latest, receivedAt });
    return { accepted: accepted.length, rejected };
  }

  /** Every driver's current state; no database read. */
  fleet(): FleetDriver[] {
    return Array.from(this.roster.all(), (entry) => this.view(entry));
  }

  /**
   * `tracking.onFleet`, listening from this call: a snapshot, then conflated frames (at most
   * one per `frameIntervalMs`) until closed; while `backlog` is behind, frames merge into one
   * with the newest state.
   */
  openFleet(backlog?: ConnectionBacklog | null): OpenStream<FleetFrame> {
    return this.feed.open(backlog);
  }

  /**
   * Calls `listener` for each accepted report, on the instance that received it, after its
   * points are queued for writing. Listener errors are logged, never returned to the
   * driver. Returns an unsubscribe function.
   */
  onPositionReported(listener: PositionReportListener): () => void {
    this.reportListeners.add(listener);
    return () => this.reportListeners.delete(listener);
  }

  /** Sets how `locations.trip_id` is filled in for new points. Must be fast: it runs per report. */
  setTripIdResolver(resolver: TripIdResolver): void {
    this.tripIdFor = resolver;
  }

  /** Rows accepted but not yet written to `locations`. */
  get pendingLocationRows(): number {
    return this.writer.pendingRows;
  }

  /** Points MySQL refused for their content (a deleted driver's, say) and that were dropped. */
  get droppedLocationRows(): number {
    return this.writer.droppedRows;
  }

  /** Counters since start; see `TrackingStats`. */
  get stats(): TrackingStats {
    return {
      reports: this.reports,
      pointsAccepted: this.pointsAccepted,
      pointsRejected: this.pointsRejected,
      reportsRefused: this.reportsRefused,
      pendingLocationRows: this.writer.pendingRows,
      writtenLocationRows: this.writer.writtenRows,
      droppedLocationRows: this.writer.droppedRows,
      fleet: this.feed.stats,
    };
  }

  /** Writes buffered points now (tests and shutdown; normally the timer does it). */
  flushLocations(): Promise<void> {
    return this.writer.flush();
  }

  private fleetDriver(driverId: number): FleetDriver | null {
    const entry = this.roster.get(driverId);
    return entry ? this.view(entry) : null;
  }

  private view(entry: RosterEntry): FleetDriver {
    return {
      id: entry.id,
      name: entry.name,
      availability: entry.availability,
      online: this.deps.presence.isOnline(entry.id),
      position: this.positions.get(entry.id) ?? null,
    };
  }

  /**
   * Marks a driver changed, looking them up first if this process has not seen them (the
   * lookup marks the whole driver once it is loaded).
   */
  private touch(driverId: number, change: "position" | "driver" = "driver"): void {
    if (this.roster.get(driverId)) this.feed.markChanged(driverId, change);
    else this.roster.ensure(driverId);
  }

  private notifyReportListeners(report: PositionReport): void {
    for (const listener of this.reportListeners) {
      try {
        const result = listener(report);
        if (result instanceof Promise) {
          result.catch((error: unknown) => this.deps.logger.error({ err: error, driverId: report.driverId }, "position report listener failed"));
        }
      } catch (error) {
        this.deps.logger.error({ err: error, driverId: report.driverId }, "position report listener failed");
      }
    }
  }
}

/** A point as `locations` stores it. Spelled out rather than spread: this runs for every point. */
function locationRow(point: AcceptedPoint, driverId: number, tripId: number | null): LocationRow {
  const { lat, lng, accuracyM, headingDeg, speedMps, recordedAt } = point;
  return { driverId, tripId, lat, lng, accuracyM, headingDeg, speedMps, recordedAt };
}
