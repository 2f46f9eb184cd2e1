import type { Bus } from "../events/bus";
import { channels, type TypingMessage } from "../events/channels";
import { BoundedQueue } from "../events/queue";
import type { Thread } from "./access";

/** How long a typing state lasts without a refresh. @default 3_000 (ms) */
export const TYPING_TTL_MS = 3_000;

/** A typing state as the chat stream yields it. */
export type TypingEvent = TypingMessage;

/**
 * Ephemeral typing state, never stored. Every instance hears every typing message on the
 * bus and runs its own expiry timer, so a typist who vanishes stops "typing" everywhere
 * after `TYPING_TTL_MS` without anyone having to send `false`.
 */
export class TypingTracker {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly listeners = new Set<(event: TypingEvent) => void>();
  private readonly unsubscribe: () => void;

  constructor(private readonly bus: Bus) {
    this.unsubscribe = bus.subscribe(channels.typing, (message) => this.receive(message));
  }

  /** Announces the caller's typing state to every instance. */
  publish(thread: Thread, userId: number, typing: boolean): void {
    const event: TypingEvent = { type: "typing", ...thread, userId, typing };
    this.bus.publish(channels.typing, event);
  }

  /** Live typing events for subscribers on this instance; returns a queue to drain. */
  listen(matches: (event: TypingEvent) => boolean): { queue: BoundedQueue<TypingEvent>; stop: () => void } {
    const queue = new BoundedQueue<TypingEvent>(1_000);
    const listener = (event: TypingEvent) => {
      if (matches(event)) queue.push(event);
    };
    this.listeners.add(listener);
    return { queue, stop: () => this.listeners.delete(listener) };
  }

  close(): void {
    this.unsubscribe();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private receive(event: TypingEvent): void {
    const key = `${event.offerId}:${event.driverId}:${event.userId}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    if (event.typing) {
      const timer = setTimeout(() => {
        this.timers.delete(key);
        this.deliver({ ...event, typing: false });
      }, TYPING_TTL_MS);
      timer.unref();
      this.timers.set(key, timer);
    }
    this.deliver(event);
  }

  private deliver(event: TypingEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
