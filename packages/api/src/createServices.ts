import type { Database } from "@convoy/db";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { ApiKeyRegistry, type ApiKeyOptions } from "./apiKeys/keyRegistry";
import { SessionRegistry, type SessionRegistryOptions } from "./auth/sessionRegistry";
import { createTokenService } from "./auth/tokens";
import { MessageWriter } from "./chat/messageWriter";
import { recordOfferActivity } from "./chat/offerActivity";
import { ThreadDirectory } from "./chat/threadDirectory";
import { TypingTracker } from "./chat/typing";
import { createInProcessBus, type Bus } from "./events/bus";
import type { CommitHook } from "./events/commit";
import { EventPump, type EventWriteObserver } from "./events/pump";
import { createGeocoder, type GeocoderOptions } from "./geocoding/geocoder";
import { CallStats, type CallObserver } from "./lib/callStats";
import { createRateLimits, type RateLimitSettings } from "./lib/rateLimits";
import { startOfferSweeper } from "./offers/sweeper";
import { PlaceService, type PlaceOptions } from "./places/service";
import { PresenceService, type PresenceOptions } from "./presence/service";
import { ProofService, type ProofOptions } from "./proofs/service";
import { PushService, type PushOptions } from "./push/service";
import type { ApiServices } from "./services";
import { createObjectStorage } from "./storage/createObjectStorage";
import type { StorageOptions } from "./storage/objectStorage";
import { TrackingService, type TrackingOptions } from "./tracking/service";
import { TrackingLinkService } from "./trackingLinks/service";
import type { TrackingLinkOptions } from "./trackingLinks/settings";
import { TripService } from "./trips/service";
import type { TripOptions } from "./trips/settings";

export interface ServicesConfig {
  db: Database;
  logger: Logger;
  /** Secret that signs and verifies session tokens. */
  jwtSecret: string;
  /** Defaults to the in-process bus. Closed by `stop`. */
  bus?: Bus;
  /** When set, rate limits live in this Redis so every instance shares them. */
  rateLimitRedis?: Redis;
  rateLimits?: RateLimitSettings;
  /** Grace after a user's last socket, heartbeat interval and TTL; see `PresenceOptions` for defaults. */
  presence?: Pick<PresenceOptions, "graceMs" | "heartbeatMs" | "heartbeatTtlMs">;
  /** Location buffering and fleet frame timings; see `TrackingOptions` for defaults. */
  tracking?: TrackingOptions;
  /** Ride dispatch waves and window, routing engine, arrival radius and ETA estimates; see `TripOptions` for defaults. */
  trips?: TripOptions;
  /** Tracking links' lifetimes, caps and re-check period; see `TrackingLinkOptions` for defaults. */
  trackingLinks?: TrackingLinkOptions;
  /** The default dwell time of places; see `PlaceOptions`. */
  places?: PlaceOptions;
  /** A Nominatim- or Photon-compatible search API for addresses; none by default. */
  geocoder?: GeocoderOptions | null;
  /** Access token lifetime, in seconds. @default 900 (15 min) */
  accessTokenTtlSeconds?: number;
  /** Session lifetime, cache size and MySQL re-check period; see `SessionRegistryOptions` for defaults. */
  sessions?: SessionRegistryOptions;
  /** API keys' call budget, last-use writes and MySQL re-check period; see `ApiKeyOptions` for defaults. */
  apiKeys?: ApiKeyOptions;
  /**
   * Events a durable subscription may have waiting for a reader that is behind before its
   * socket is shed (the pump's `subscriberBufferLimit`). @default 5_000
   */
  durableBacklogEvents?: number;
  /** Timings the server records as metrics; none by default. */
  observers?: ServiceObservers;
  /** Where proof-of-delivery images are stored: a directory or an S3-compatible bucket. */
  storage: StorageOptions;
  /** Proof image size, link lifetime and per-trip file limit; see `ProofOptions` for defaults. */
  proofs?: ProofOptions;
  /** Web Push: VAPID keys (none: push off), queue and limits; see `PushOptions`. @default off */
  push?: PushOptions;
}

/** Where the services report timings; each is called once per call or commit, never per delivery. */
export interface ServiceObservers {
  /** Each finished query and mutation; see `CallObserver`. */
  call?: CallObserver;
  /** Each committed transaction that wrote events; see `EventWriteObserver`. */
  eventWrite?: EventWriteObserver;
}

export interface ConvoyServices {
  services: ApiServices;
  /**
   * Stops every service in dependency order, writing what they buffered (last seen times,
   * locations) to MySQL, and closes the bus. The database stays open: its owner closes it.
   */
  stop: () => Promise<void>;
}

/**
 * Builds the service graph of one process: bus, event pump, sessions, presence, tracking,
 * places, trips, tracking links, tokens, rate limits, typing, push and the offer sweeper, and
 * registers the domains' commit hooks. The transport (HTTP, sockets) is the caller's.
 */
export async function createServices(config: ServicesConfig): Promise<ConvoyServices> {
  const { db, logger } = config;
  const bus = config.bus ?? createInProcessBus();
  // Offer activity ("Countered at $X") is written into the chat thread in the offer's own transaction.
  const commitHooks: CommitHook[] = [recordOfferActivity];
  // Pushes what this process commits, off the committing call (see `PushService`).
  const push = new PushService({ db, logger }, config.push ?? { vapid: null });
  const pump = new EventPump(db, bus, logger, {
    subscriberBufferLimit: config.durableBacklogEvents,
    onEventWrite: config.observers?.eventWrite,
    onPublish: (events) => push.notify(events),
  });
  await pump.start();
  const tokens = createTokenService(config.jwtSecret, { accessTtlSeconds: config.accessTokenTtlSeconds });
  // Listens for ended sessions on the bus and re-reads held ones from MySQL every second.
  const sessions = new SessionRegistry({ db, bus, tokens, logger }, config.sessions);
  sessions.start();
  const apiKeys = new ApiKeyRegistry({ db, bus, logger }, config.apiKeys);
  apiKeys.start();
  const presence = new PresenceService(bus, db, logger, config.presence);
  presence.start();
  const tracking = new TrackingService({ db, bus, logger, presence }, config.tracking);
  await tracking.start();
  const places = new PlaceService({ db, pump, commitHooks, logger, tracking }, config.places);
  await places.start();
  const trips = new TripService({ db, pump, commitHooks, logger, tracking, places }, config.trips);
  await trips.start();
  const limits = createRateLimits(config.rateLimits, config.rateLimitRedis);
  // Closes a link's public viewers when it is revoked (here, through the bus, or seen in MySQL) or expires.
  const trackingLinks = new TrackingLinkService({ db, bus, logger, limits, trips }, config.trackingLinks);
  trackingLinks.start();
  const services: ApiServices = {
    db,
    bus,
    pump,
    commitHooks,
    tokens,
    limits,
    sessions,
    apiKeys,
    logger,
    typing: new TypingTracker(bus),
    chat: { threads: new ThreadDirectory(db), writer: new MessageWriter({ db, pump, commitHooks }) },
    tracking,
    presence,
    trips,
    trackingLinks,
    places,
    geocoder: config.geocoder ? createGeocoder(config.geocoder) : null,
    proofs: new ProofService(createObjectStorage(config.storage), config.jwtSecret, config.proofs),
    push,
    calls: new CallStats(config.observers?.call),
  };
  // Expires offers past their deadline (and moves rides on to their next wave); safe on every instance at once.
  const offerSweeper = startOfferSweeper(services);

  async function stop(): Promise<void> {
    sessions.stop();
    trackingLinks.stop();
    apiKeys.stop();
    services.typing.close();
    await offerSweeper.stop();
    await trips.stop();
    await places.stop();
    // Both write to MySQL on the way out (last_seen_at, buffered locations).
    await presence.stop();
    await tracking.stop();
    await push.stop();
    pump.stop();
    await bus.close();
  }

  return { services, stop };
}
