import type { BusMessages, Channel } from "./channels";

/**
 * How live messages travel between the parts of Convoy, and between processes when
 * scaled out. Delivery is best-effort: a subscriber that was away misses messages, which
 * is why durable streams catch up from the event log (see `pump.ts`). Each channel carries
 * one message type (`BusMessages`), so subscribers need no casts.
 */
export interface Bus {
  publish<C extends Channel>(channel: C, message: BusMessages[C]): void;
  subscribe<C extends Channel>(channel: C, handler: (message: BusMessages[C]) => void): () => void;
  /** Called after the transport recovers from an outage, so streams can catch up. */
  onReconnect: (handler: () => void) => () => void;
  /**
   * Called when the transport loses its connection (once per outage, before the matching
   * `onReconnect`): until then this process hears nothing from the others.
   */
  onDisconnect: (handler: () => void) => () => void;
  /**
   * Resolves once the transport has answered a round trip and can deliver to this process;
   * rejects otherwise. For readiness checks: the caller bounds the wait.
   */
  ping: () => Promise<void>;
  /** Whether each of the transport's connections is up now, by name; empty for the in-process bus. */
  connections: () => Record<string, boolean>;
  close: () => Promise<void>;
}

/** A handler as stored by a bus: the channel it was registered for fixes its message type. */
export type AnyHandler = (message: BusMessages[Channel]) => void;

/** The single-process bus: synchronous, in-memory fan-out. */
export function createInProcessBus(): Bus {
  const handlers = new Map<Channel, Set<AnyHandler>>();
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
      const stored = handler as AnyHandler;
      set.add(stored);
      return () => set.delete(stored);
    },
    onReconnect: () => () => undefined,
    onDisconnect: () => () => undefined,
    ping: () => Promise.resolve(),
    connections: () => ({}),
    close: async () => handlers.clear(),
  };
}
