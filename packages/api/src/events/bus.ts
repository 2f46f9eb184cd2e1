/**
 * How live messages travel between the parts of Convoy, and between processes when
 * scaled out. Delivery is best-effort: a subscriber that was away misses messages, which
 * is why durable streams catch up from the event log (see `pump.ts`).
 */
export interface Bus {
  publish: (channel: string, message: unknown) => void;
  subscribe: (channel: string, handler: (message: unknown) => void) => () => void;
  /** Called after the transport recovers from an outage, so streams can catch up. */
  onReconnect: (handler: () => void) => () => void;
  close: () => Promise<void>;
}

/** The single-process bus: synchronous, in-memory fan-out. */
export function createInProcessBus(): Bus {
  const handlers = new Map<string, Set<(message: unknown) => void>>();
  return {
    publish(channel, message) {
      const set = handlers.get(channel);
      if (!set) return;
      // A Set's iterator copes with handlers removed meanwhile; no copy per message.
      for (const handler of set) handler(message);
    },
    subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) handlers.set(channel, (set = new Set()));
      set.add(handler);
      return () => set.delete(handler);
    },
    onReconnect: () => () => undefined,
    close: async () => handlers.clear(),
  };
}

/** Channel names, in one place. */
export const channels = {
  events: "convoy:events",
  typing: "convoy:typing",
  presence: "convoy:presence",
  presenceHeartbeat: "convoy:presence-heartbeat",
  positions: "convoy:positions",
  availability: "convoy:availability",
  logout: "convoy:logout",
} as const;
