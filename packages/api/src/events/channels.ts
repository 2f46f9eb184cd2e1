import type { Availability, SessionEndReason, UserRole } from "@convoy/db";
import type { StoredEvent } from "./types";

/** Channel names, in one place. */
export const channels = {
  events: "convoy:events",
  typing: "convoy:typing",
  presence: "convoy:presence",
  presenceHeartbeat: "convoy:presence-heartbeat",
  positions: "convoy:positions",
  availability: "convoy:availability",
  sessionsEnded: "convoy:sessions-ended",
  trackingLinksRevoked: "convoy:tracking-links-revoked",
  apiKeysEnded: "convoy:api-keys-ended",
} as const satisfies Record<string, keyof BusMessages>;

/**
 * What travels on each channel. These shapes are the contract between instances (the Redis
 * bus carries them as JSON), so they are plain data and live here, beside the bus.
 */
export interface BusMessages {
  /** Events committed by any instance, in id order. */
  "convoy:events": StoredEvent[];
  "convoy:typing": TypingMessage;
  "convoy:presence": PresenceMessage;
  "convoy:presence-heartbeat": PresenceHeartbeat;
  "convoy:positions": PositionMessage;
  "convoy:availability": AvailabilityMessage;
  "convoy:sessions-ended": SessionsEndedMessage;
  "convoy:tracking-links-revoked": TrackingLinksRevokedMessage;
  "convoy:api-keys-ended": ApiKeysEndedMessage;
}

export type Channel = keyof BusMessages;

/** Roles whose presence is tracked: the people on the dispatch floor and on the road. */
export type PresenceRole = Extract<UserRole, "driver" | "dispatcher">;

/** Someone came online or went offline. `at` is epoch ms. */
export interface PresenceChange {
  userId: number;
  role: PresenceRole;
  online: boolean;
  at: number;
  /**
   * Going offline: when their last socket closed, epoch ms (`at` is when the reconnect grace
   * ran out after it). Absent when the instance holding them vanished without saying so.
   */
  lastSeenAt?: number;
}

/**
 * One instance's view of one user. A user is online while at least one instance says so,
 * so a reconnect that lands on another instance is not a flap.
 */
export interface PresenceMessage extends PresenceChange {
  instanceId: string;
}

/**
 * One instance's complete list of who it counts as online, sent every few seconds. It lets
 * a new instance learn who is online, repairs a lost offline message, and, when an instance
 * stops sending (killed), lets every other instance drop its users after the heartbeat TTL.
 */
export interface PresenceHeartbeat {
  instanceId: string;
  at: number;
  online: { userId: number; role: PresenceRole }[];
}

/** Someone in a chat thread started or stopped typing. */
export interface TypingMessage {
  type: "typing";
  offerId: number;
  driverId: number;
  dispatcherId: number;
  userId: number;
  typing: boolean;
}

/** A driver's newest accepted point. Times are epoch ms; unknown optional values are null. */
export interface LivePosition {
  lat: number;
  lng: number;
  accuracyM: number | null;
  headingDeg: number | null;
  speedMps: number | null;
  recordedAt: number;
  /** When the server received the report (equals `recordedAt` for positions loaded at start). */
  receivedAt: number;
}

/** A driver's newest point from one report. */
export interface PositionMessage {
  driverId: number;
  position: LivePosition;
}

/** A driver's availability after a committed change. */
export interface AvailabilityMessage {
  driverId: number;
  availability: Availability;
}

/** Sessions that ended (already so in MySQL): every instance refuses them and closes their streams. */
export interface SessionsEndedMessage {
  sessionIds: number[];
  reason: SessionEndReason;
}

/** Tracking links revoked (already so in MySQL): every instance closes their open viewers. */
export interface TrackingLinksRevokedMessage {
  linkIds: number[];
}

/** API keys that stopped working (already so in MySQL): every instance refuses them and closes their streams. */
export interface ApiKeysEndedMessage {
  keyIds: number[];
  reason: SessionEndReason;
}
