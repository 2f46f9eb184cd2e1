import { createContext, useCallback, useContext, useState, type ReactNode } from "react";
import { trpc } from "@convoy/ui";

/** What the app knows of one user's presence from the live stream. */
export interface PresenceState {
  online: boolean;
  /** Offline: when their last socket closed, epoch ms, if they went offline while this app watched. */
  lastSeenAt: number | null;
}

interface PresenceMap {
  /** Online now, by user id. */
  online: ReadonlySet<number>;
  /** Users who went offline while the stream was open: when they were last connected. */
  lastSeen: ReadonlyMap<number, number>;
}

/** Who is online, or null until the first snapshot arrives. */
const PresenceContext = createContext<PresenceMap | null>(null);

/**
 * Follows `presence.events` (a snapshot, then changes) for the whole dispatcher app. Keeps who
 * is online, and for those who went offline meanwhile, when they were last seen.
 */
export function PresenceProvider({ children }: { children: ReactNode }) {
  const [presence, setPresence] = useState<PresenceMap | null>(null);
  trpc.presence.events.useSubscription(undefined, {
    onData: (event) => {
      if (event.kind === "snapshot") {
        // A snapshot follows every (re)connect; last-seen times learned before it still hold.
        setPresence((previous) => ({ online: new Set(event.online.map((entry) => entry.userId)), lastSeen: previous?.lastSeen ?? new Map() }));
        return;
      }
      setPresence((previous) => {
        const online = new Set(previous?.online);
        const lastSeen = new Map(previous?.lastSeen);
        if (event.online) {
          online.add(event.userId);
          lastSeen.delete(event.userId);
        } else {
          online.delete(event.userId);
          lastSeen.set(event.userId, event.lastSeenAt ?? event.at);
        }
        return { online, lastSeen };
      });
    },
  });
  return <PresenceContext.Provider value={presence}>{children}</PresenceContext.Provider>;
}

/**
 * A user's live presence, or `fallback` (e.g. from a query) until the live snapshot is in.
 * `lastSeenAt` comes from the stream when they left while it was open, else from `fallback`.
 */
export function usePresence(userId: number, fallback: PresenceState = { online: false, lastSeenAt: null }): PresenceState {
  const presence = useContext(PresenceContext);
  return presenceOf(presence, userId, fallback);
}

/** `usePresence` for many users at once: a lookup over the same live state, new only when it changes. */
export function usePresenceLookup(): (userId: number, fallback: PresenceState) => PresenceState {
  const presence = useContext(PresenceContext);
  return useCallback((userId: number, fallback: PresenceState) => presenceOf(presence, userId, fallback), [presence]);
}

function presenceOf(presence: PresenceMap | null, userId: number, fallback: PresenceState): PresenceState {
  if (!presence) return fallback;
  const online = presence.online.has(userId);
  return { online, lastSeenAt: online ? null : (presence.lastSeen.get(userId) ?? fallback.lastSeenAt) };
}

/** Whether `userId` is online now; `fallback` (e.g. from a query) until the live snapshot is in. */
export function useIsOnline(userId: number, fallback = false): boolean {
  return usePresence(userId, { online: fallback, lastSeenAt: null }).online;
}

export function PresenceDot({ userId, fallback }: { userId: number; fallback?: boolean }) {
  const online = useIsOnline(userId, fallback);
  return (
    <span
      className={`convoy-presence${online ? " convoy-presence--online" : ""}`}
      data-online={online}
      role="img"
      aria-label={online ? "Online" : "Offline"}
      title={online ? "Online" : "Offline"}
    />
  );
}

/** "just now", "45 s ago", "12 min ago", "3 h ago", "2 days ago". */
export function formatAgo(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 10) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** "Online", or "Offline · last seen 3 min ago" ("Offline · never seen" without a time). */
export function presenceLabel(state: PresenceState, now: number): string {
  if (state.online) return "Online";
  return state.lastSeenAt === null ? "Offline · never seen" : `Offline · last seen ${formatAgo(state.lastSeenAt, now)}`;
}
