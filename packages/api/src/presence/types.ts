import type { UserRole } from "@convoy/db";

/** Roles whose presence is tracked: the people on the dispatch floor and on the road. */
export const PRESENCE_ROLES = ["driver", "dispatcher"] as const satisfies readonly UserRole[];
export type PresenceRole = (typeof PRESENCE_ROLES)[number];

export function isPresenceRole(role: UserRole): role is PresenceRole {
  return (PRESENCE_ROLES as readonly UserRole[]).includes(role);
}

/** Someone online now. */
export interface PresenceEntry {
  userId: number;
  role: PresenceRole;
  /** When they came online, epoch ms. */
  since: number;
}

/** Someone came online or went offline. `at` is epoch ms. */
export interface PresenceChange {
  userId: number;
  role: PresenceRole;
  online: boolean;
  at: number;
}

/** What `presence.events` yields: a snapshot of who is online, then changes. */
export type PresenceEvent =
  | { kind: "snapshot"; at: number; online: PresenceEntry[] }
  | ({ kind: "change" } & PresenceChange);

/**
 * On `channels.presence`: one instance's view of one user. A user is online while at least
 * one instance says so, so a reconnect that lands on another instance is not a flap.
 */
export interface PresenceMessage extends PresenceChange {
  instanceId: string;
}

/**
 * On `channels.presenceHeartbeat`: one instance's complete list of who it counts as online,
 * sent every few seconds. It lets a new instance learn who is online, repairs a lost
 * offline message, and, when an instance stops sending (killed), lets every other instance
 * drop its users after the heartbeat TTL.
 */
export interface PresenceHeartbeat {
  instanceId: string;
  at: number;
  online: { userId: number; role: PresenceRole }[];
}
