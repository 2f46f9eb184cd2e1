import type { Bus } from "../events/bus";
import { channels, type TypingMessage } from "../events/channels";
import { closingWith, type OpenStream } from "../events/openStream";
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
  /** Listeners by the user they listen for: an event visits only its thread's two sides. */
  private readonly listeners = new Map<number, Set<(event: TypingEvent) => void>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly bus: Bus) {
    this.unsubscribe = bus.subscribe(channels.typing, (message) => this.receive(message));
  }

  /** Announces the caller's typing state to every instance. */
  publish(thread: Thread, userId: number, typing: boolean): void {
    const event: TypingEvent = { type: "typing", ...thread, userId, typing };
    this.bus.publish(channels.typing, event);
  }

  /**
   * Live typing events in the threads of `userId` (its dispatcher or driver side) that
   * `matches` accepts, for a subscriber on this instance; listening from the call on.
   */
  listen(userId: number, matches: (event: TypingEvent) => boolean): OpenStream<TypingEvent> {
    const queue = new BoundedQueue<TypingEvent>(1_000);
    const listener = (event: TypingEvent) => {
      if (matches(event)) queue.push(event);
    };
    let own = this.listeners.get(userId);
    if (!own) this.listeners.set(userId, (own = new Set()));
    own.add(listener);
    const close = () => {
      own.delete(listener);
      if (own.size === 0 && this.listeners.get(userId) === own) this.listeners.delete(userId);
      queue.end();
    };
    async function* events(): AsyncGenerator<TypingEvent> {
      try {
        for (let batch = await queue.take(); batch; batch = await queue.take()) yield* batch;
      } finally {
        close();
      }
    }
    return { read: () => closingWith(events(), close), close };
  }

  /** Typing streams listening on this instance. */
  get listening(): number {
    let count = 0;
    for (const own of this.listeners.values()) count += own.size;
    return count;
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
    for (const userId of [event.dispatcherId, event.driverId]) {
      const listeners = this.listeners.get(userId);
      if (listeners) for (const listener of listeners) listener(event);
    }
  }
}
