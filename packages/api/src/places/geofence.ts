import type { Logger } from "pino";
import type { CommitDeps } from "../events/commit";
import type { AcceptedPoint } from "../tracking/points";
import type { PositionReport } from "../tracking/service";
import type { PlaceIndex } from "./placeIndex";
import { loadVisits, writeVisitTransitions, type Visit, type VisitTransition } from "./visits";

/**
 * A driver's visits as this instance knows them. Only trusted while the driver's reports keep
 * arriving here: see `RELOAD_AFTER_MS`.
 */
interface DriverVisits {
  visits: Map<number, Visit>;
  /** Newest point looked at, epoch ms (driver's clock); older points are skipped. */
  lastRecordedAt: number;
  /** Server time this instance last looked at a report of the driver, epoch ms. */
  seenAt: number;
  /** True while visits are loading or transitions are being written: reports wait in `queued`. */
  busy: boolean;
  queued: AcceptedPoint[] | null;
}

/**
 * A driver whose reports stopped arriving at this instance for this long may have been
 * reported to another one meanwhile (a socket that moved, a restart), so their visits are
 * read again from MySQL before the next point is looked at. In ms.
 */
const RELOAD_AFTER_MS = 15_000;
/** Points kept for a driver while a write is in flight; older ones are dropped first. */
const MAX_QUEUED_POINTS = 120;

/**
 * Turns driver positions into `place.entered`, `place.dwelled` and `place.left`, on the
 * instance that received each report (`TrackingService.onPositionReported`), so each report
 * is looked at once.
 *
 * Cheap by construction: a point near no place costs one grid lookup (`PlaceIndex.near`) and
 * a check that the driver is inside nothing; no object is made and nothing is awaited. MySQL
 * is touched only when a visit changes (`writeVisitTransitions`) and when a driver's reports
 * start arriving at this instance (their visits are loaded once, see `RELOAD_AFTER_MS`).
 * Dwelling is measured on the driver's own point times, so a report of queued points made
 * offline is judged by when the points were taken, and a driver who stops reporting inside
 * a place is said to dwell at their next point.
 */
export class Geofence {
  private readonly drivers = new Map<number, DriverVisits>();
  /** Loads and writes under way, so stopping can wait for them before the pool closes. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: CommitDeps & { logger: Logger },
    private readonly index: PlaceIndex,
  ) {}

  /** The position-report listener. Returns a promise only when it has MySQL work to do. */
  onReport(report: PositionReport): Promise<void> | undefined {
    const work = this.look(report);
    if (!work) return undefined;
    this.inFlight.add(work);
    void work.catch(() => undefined).finally(() => this.inFlight.delete(work));
    return work;
  }

  /** Resolves once every load and write under way has finished (failed ones included). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private look(report: PositionReport): Promise<void> | undefined {
    const state = this.drivers.get(report.driverId);
    if (state === undefined) {
      // With no places saved, a driver this instance holds nothing for has nothing to leave.
      if (this.index.size === 0) return undefined;
      return this.reload(report.driverId, report.points, report.receivedAt);
    }
    if (state.busy) {
      this.enqueue(state, report.points);
      return undefined;
    }
    const gap = report.receivedAt - state.seenAt;
    state.seenAt = report.receivedAt;
    if (gap > RELOAD_AFTER_MS) return this.reload(report.driverId, report.points, report.receivedAt);
    const transitions = this.transitions(state, report.points);
    return transitions ? this.write(report.driverId, state, transitions) : undefined;
  }

  /** Forgets every driver (the places changed wholesale, or the service stops). */
  clear(): void {
    this.drivers.clear();
  }

  /**
   * The transitions `points` make, oldest first, applied to `state` as they are found; null
   * (nothing allocated) when there are none.
   */
  private transitions(state: DriverVisits, points: readonly AcceptedPoint[]): VisitTransition[] | null {
    let transitions: VisitTransition[] | null = null;
    for (const point of points) {
      if (point.recordedAt <= state.lastRecordedAt) continue;
      state.lastRecordedAt = point.recordedAt;
      const { lat, lng } = point;
      const near = this.index.near(lat, lng);
      if (near.length === 0 && state.visits.size === 0) continue;
      // Visits first: leaving, or dwelling long enough.
      for (const [placeId, visit] of state.visits) {
        const place = this.index.get(placeId);
        if (!place) {
          // Deleted: its rows went with it, and there is nothing to say.
          state.visits.delete(placeId);
          continue;
        }
        if (!place.contains(lat, lng)) {
          state.visits.delete(placeId);
          (transitions ??= []).push(transition("left", place, visit.enteredAt, point));
        } else if (!visit.dwelled && point.recordedAt - visit.enteredAt >= place.dwellMs) {
          visit.dwelled = true;
          (transitions ??= []).push(transition("dwelled", place, visit.enteredAt, point));
        }
      }
      for (const place of near) {
        if (state.visits.has(place.id) || !place.contains(lat, lng)) continue;
        state.visits.set(place.id, { enteredAt: point.recordedAt, dwelled: false });
        (transitions ??= []).push(transition("entered", place, point.recordedAt, point));
      }
    }
    return transitions;
  }

  private enqueue(state: DriverVisits, points: readonly AcceptedPoint[]): void {
    const queued = (state.queued ??= []);
    queued.push(...points);
    if (queued.length > MAX_QUEUED_POINTS) queued.splice(0, queued.length - MAX_QUEUED_POINTS);
  }

  /** Loads the driver's visits from MySQL, then looks at `points` and whatever queued meanwhile. */
  private async reload(driverId: number, points: readonly AcceptedPoint[], receivedAt: number): Promise<void> {
    const previous = this.drivers.get(driverId);
    const state: DriverVisits = {
      visits: new Map(),
      lastRecordedAt: previous?.lastRecordedAt ?? Number.NEGATIVE_INFINITY,
      seenAt: receivedAt,
      busy: true,
      queued: [...points],
    };
    this.drivers.set(driverId, state);
    try {
      state.visits = await loadVisits(this.deps.db, driverId);
    } catch (error) {
      this.drivers.delete(driverId);
      throw error;
    }
    await this.drainQueued(driverId, state);
  }

  private async write(driverId: number, state: DriverVisits, transitions: VisitTransition[]): Promise<void> {
    state.busy = true;
    try {
      await writeVisitTransitions(this.deps, driverId, transitions);
    } catch (error) {
      // Memory ran ahead of MySQL: start over from MySQL at the driver's next report.
      this.drivers.delete(driverId);
      throw error;
    }
    await this.drainQueued(driverId, state);
  }

  private async drainQueued(driverId: number, state: DriverVisits): Promise<void> {
    for (let points = state.queued; points && points.length > 0; points = state.queued) {
      state.queued = null;
      const transitions = this.transitions(state, points);
      if (!transitions) continue;
      try {
        await writeVisitTransitions(this.deps, driverId, transitions);
      } catch (error) {
        this.drivers.delete(driverId);
        throw error;
      }
    }
    state.queued = null;
    state.busy = false;
  }
}

function transition(
  kind: VisitTransition["kind"],
  place: { id: number; name: string; dwellMs: number },
  enteredAt: number,
  point: AcceptedPoint,
): VisitTransition {
  return {
    kind,
    placeId: place.id,
    placeName: place.name,
    dwellSeconds: Math.round(place.dwellMs / 1_000),
    enteredAt,
    point: { lat: point.lat, lng: point.lng, recordedAt: point.recordedAt },
  };
}
