import { createContext, useContext, useState, type ReactNode } from "react";
import { trpc } from "@convoy/ui";

/** Who is online, or null until the first snapshot arrives. */
const PresenceContext = createContext<ReadonlySet<number> | null>(null);

/** Follows `presence.events` (a snapshot, then changes) for the whole dispatcher app. */
export function PresenceProvider({ children }: { children: ReactNode }) {
  const [online, setOnline] = useState<ReadonlySet<number> | null>(null);
  trpc.presence.events.useSubscription(undefined, {
    onData: (event) => {
      if (event.kind === "snapshot") {
        setOnline(new Set(event.online.map((entry) => entry.userId)));
        return;
      }
      setOnline((previous) => {
        const next = new Set(previous);
        if (event.online) next.add(event.userId);
        else next.delete(event.userId);
        return next;
      });
    },
  });
  return <PresenceContext.Provider value={online}>{children}</PresenceContext.Provider>;
}

/** Whether `userId` is online now; `fallback` (e.g. from a query) until the live snapshot is in. */
export function useIsOnline(userId: number, fallback = false): boolean {
  const online = useContext(PresenceContext);
  return online ? online.has(userId) : fallback;
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
