import type { Database } from "@convoy/db";
import type { Logger } from "pino";
import type { TokenService } from "./auth/tokens";
import type { Bus } from "./events/bus";
import type { CommitHook } from "./events/commit";
import type { EventPump } from "./events/pump";
import type { CallStats } from "./lib/callStats";
import type { RateLimits } from "./lib/rateLimits";
import type { SessionRegistry } from "./auth/sessionRegistry";
import type { TypingTracker } from "./chat/typing";
import type { TrackingService } from "./tracking/service";
import type { PresenceService } from "./presence/service";
import type { PushService } from "./push/service";
import type { TripService } from "./trips/service";

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
  logger: Logger;
  typing: TypingTracker;
  tracking: TrackingService;
  presence: PresenceService;
  trips: TripService;
  /** Web Push: the VAPID key, subscription limits, and the sender fed by committed events. */
  push: PushService;
  /** Open subscriptions by procedure and the call-duration observer, for the server's metrics. */
  calls: CallStats;
}
