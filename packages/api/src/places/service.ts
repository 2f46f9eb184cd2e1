import type { Logger } from "pino";
import type { CommitDeps } from "../events/commit";
import type { EventPump, PumpSubscription } from "../events/pump";
import type { TrackingService } from "../tracking/service";
import { listPlaces } from "./crud";
import { Geofence } from "./geofence";
import { toPlaceEvent } from "./placeEvents";
import { PlaceIndex } from "./placeIndex";

export interface PlaceOptions {
  /** Seconds inside a place after which a driver dwells, for places without their own. @default 300 */
  dwellSeconds?: number;
}

export interface PlaceServiceDeps extends CommitDeps {
  /** The whole pump: places follow their own stream for edits made elsewhere. */
  pump: EventPump;
  logger: Logger;
  tracking: TrackingService;
}

const PLACE_CHANGES = new Set(["place.created", "place.updated", "place.deleted"]);

/**
 * Places for one process: keeps every saved place in memory (`PlaceIndex`), current from the
 * `places` stream so an edit on any instance reaches every one, and runs the geofence on the
 * reports this instance receives. `contains` is what trips ask when a place guards a pickup.
 */
export class PlaceService {
  readonly index: PlaceIndex;
  readonly dwellSeconds: number;
  private readonly geofence: Geofence;
  private subscription: PumpSubscription | null = null;
  private following: Promise<void> | null = null;
  private stopReporting: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly deps: PlaceServiceDeps,
    options: PlaceOptions = {},
  ) {
    this.dwellSeconds = options.dwellSeconds ?? 300;
    if (!Number.isInteger(this.dwellSeconds) || this.dwellSeconds < 1)
      throw new Error("places.dwellSeconds must be a positive whole number of seconds");
    this.index = new PlaceIndex(this.dwellSeconds * 1_000);
    this.geofence = new Geofence(deps, this.index);
  }

  async start(): Promise<void> {
    await this.follow();
    this.stopReporting = this.deps.tracking.onPositionReported((report) => this.geofence.onReport(report));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopReporting?.();
    this.subscription?.unsubscribe();
    this.subscription?.queue.end();
    await this.following;
    // Visits being written finish before the pool closes.
    await this.geofence.settled();
    this.geofence.clear();
  }

  /** Whether the point is inside the saved place; undefined when this process knows no such place. */
  contains(placeId: number, point: { lat: number; lng: number }): boolean | undefined {
    return this.index.get(placeId)?.contains(point.lat, point.lng);
  }

  /** Subscribes first, then loads, so no edit falls between; replaying an edit is harmless. */
  private async follow(): Promise<void> {
    const subscription = this.deps.pump.subscribe({ stream: "places" }, (event) => event.stream === "places" && PLACE_CHANGES.has(event.type));
    this.subscription = subscription;
    this.index.clear();
    for (const place of await listPlaces(this.deps.db)) this.index.put(place);
    this.following = this.consume(subscription);
  }

  private async consume(subscription: PumpSubscription): Promise<void> {
    try {
      for await (const stored of subscription.queue.drain()) {
        const event = toPlaceEvent(stored);
        if (event.type === "place.created" || event.type === "place.updated") this.index.put(event.place);
        else if (event.type === "place.deleted") this.index.remove(event.placeId);
      }
    } catch (error) {
      subscription.unsubscribe();
      if (this.stopped) return;
      this.deps.logger.warn({ err: error }, "place directory fell behind; reloading places");
      await this.follow().catch((reloadError: unknown) => this.deps.logger.error({ err: reloadError }, "reloading places failed"));
    }
  }
}
