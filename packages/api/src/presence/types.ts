import type { UserRole } from "@convoy/db";
import type { PresenceChange, PresenceRole } from "../events/channels";

export type { PresenceChange, PresenceHeartbeat, PresenceMessage, PresenceRole } from "../events/channels";

/** Roles whose presence is tracked: the people on the dispatch floor and on the road. */
export const PRESENCE_ROLES = ["driver", "dispatcher"] as const satisfies readonly PresenceRole[];

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

/** What `presence.events` yields: a snapshot of who is online, then changes. */
export type PresenceEvent = { kind: "snapshot"; at: number; online: PresenceEntry[] } | ({ kind: "change" } & PresenceChange);
