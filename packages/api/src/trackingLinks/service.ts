import type { Database } from "@convoy/db";
import type { Logger } from "pino";
import type { Bus } from "../events/bus";
import type { ConnectionBacklog } from "../lib/socketBacklog";
import { consumeOrThrow, type RateLimits } from "../lib/rateLimits";
import type { TripService } from "../trips/service";
import { watchTrackingLink, type PublicTrackingFrame } from "./publicWatch";
import type { CreateTrackingLinkInput } from "./schemas";
import { trackingLinkSettings, type TrackingLinkOptions, type TrackingLinkSettings } from "./settings";
import {
  createTrackingLink,
  listTrackingLinks,
  revokeTrackingLink,
  type CreatedTrackingLink,
  type LinkManager,
  type TrackingLinkView,
} from "./store";
import { TrackingLinkViewers } from "./viewers";

export interface TrackingLinkServiceDeps {
  db: Database;
  bus: Bus;
  logger: Logger;
  limits: RateLimits;
  trips: TripService;
}

/**
 * Tracking links, one per process: making, listing and revoking them for the people who
 * manage a trip, and the public stream a link opens, with its viewers held in
 * `TrackingLinkViewers` so a revocation or expiry closes them.
 */
export class TrackingLinkService {
  readonly settings: TrackingLinkSettings;
  readonly viewers: TrackingLinkViewers;

  constructor(
    private readonly deps: TrackingLinkServiceDeps,
    options: TrackingLinkOptions = {},
  ) {
    this.settings = trackingLinkSettings(options);
    this.viewers = new TrackingLinkViewers(deps, this.settings);
  }

  start(): void {
    this.viewers.start();
  }

  stop(): void {
    this.viewers.stop();
  }

  /** See `createTrackingLink`; spends the creator's tracking-link budget first (TOO_MANY_REQUESTS past it). */
  async create(by: LinkManager, input: CreateTrackingLinkInput): Promise<CreatedTrackingLink> {
    await consumeOrThrow(this.deps.limits, "trackingLink", String(by.userId), "tracking links created");
    return createTrackingLink(this.deps.db, this.settings, by, input);
  }

  /** See `listTrackingLinks`. */
  list(by: LinkManager, tripId: number): Promise<TrackingLinkView[]> {
    return listTrackingLinks(this.deps.db, by, tripId);
  }

  /** See `revokeTrackingLink`; the link's open viewers close on every instance. */
  async revoke(by: LinkManager, linkId: number): Promise<TrackingLinkView> {
    const link = await revokeTrackingLink(this.deps.db, by, linkId);
    this.viewers.revoked([link.id]);
    return link;
  }

  /** See `watchTrackingLink`. */
  watch(token: string, address: string, signal: AbortSignal | undefined, backlog: ConnectionBacklog | null): AsyncGenerator<PublicTrackingFrame> {
    const { db, limits, trips } = this.deps;
    return watchTrackingLink(
      {
        db,
        limits,
        settings: this.settings,
        viewers: this.viewers,
        watchTrip: (viewer, tripId, stop, socket) => trips.watch(viewer, tripId, stop, socket),
      },
      token,
      address,
      signal,
      backlog,
    );
  }
}
