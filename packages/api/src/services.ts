import type { Database } from "@convoy/db";
import type { ApiKeyRegistry } from "./apiKeys/keyRegistry";
import type { Logger } from "pino";
import type { TokenService } from "./auth/tokens";
import type { Bus } from "./events/bus";
import type { CommitHook } from "./events/commit";
import type { EventPump } from "./events/pump";
import type { Geocoder } from "./geocoding/geocoder";
import type { CallStats } from "./lib/callStats";
import type { RateLimits } from "./lib/rateLimits";
import type { SessionRegistry } from "./auth/sessionRegistry";
import type { MessageWriter } from "./chat/messageWriter";
import type { ThreadDirectory } from "./chat/threadDirectory";
import type { TypingTracker } from "./chat/typing";
import type { TrackingService } from "./tracking/service";
import type { PlaceService } from "./places/service";
import type { PresenceService } from "./presence/service";
import type { ProofService } from "./proofs/service";
import type { PushService } from "./push/service";
import type { TripService } from "./trips/service";
import type { TrackingLinkService } from "./trackingLinks/service";

/**
 * Everything a procedure may touch, built once per process by `createServices` and handed to
 * every context. Tests build the same object against a real database.
 */
export interface ApiServices {
  db: Database;
  bus: Bus;
  pump: EventPump;
  /** Work every event-emitting change runs in its transaction (offer activity in chat threads). */
  commitHooks: readonly CommitHook[];
  tokens: TokenService;
  limits: RateLimits;
  sessions: SessionRegistry;
  /** Dispatchers' keys for other services: verified keys, their budgets and sockets. */
  apiKeys: ApiKeyRegistry;
  logger: Logger;
  typing: TypingTracker;
  /** Thread membership, remembered, and the group-commit writer of chat messages. */
  chat: { threads: ThreadDirectory; writer: MessageWriter };
  tracking: TrackingService;
  presence: PresenceService;
  trips: TripService;
  trackingLinks: TrackingLinkService;
  places: PlaceService;
  /** Address search at `GEOCODER_URL`; null when none is configured (the apps say so). */
  geocoder: Geocoder | null;
  /** Proof of delivery's file store, link signer and limits. */
  proofs: ProofService;
  /** Web Push: the VAPID key, subscription limits, and the sender fed by committed events. */
  push: PushService;
  /** Open subscriptions by procedure and the call-duration observer, for the server's metrics. */
  calls: CallStats;
}
