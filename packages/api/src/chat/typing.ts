import type { Bus } from "../events/bus";
import { channels, type TypingMessage } from "../events/channels";
import { closingWith, type OpenStream, type StreamSink } from "../events/openStream";
import { BoundedQueue } from "../events/queue";
import type { Thread } from "./access";

/** How long a typing state lasts without a refresh. @default 3_000 (ms) */
export const TYPING_TTL_MS = 3_000;
/** How often ended typing states are looked for: a state ends 0–250 ms after its TTL. */
const EXPIRY_SWEEP_MS = 250;

/** A typing state as the chat stream yields it. */
export type TypingEvent = TypingMessage;

/**
 * Ephemeral typing state, never stored. Every instance hears every typing message on the
 * bus and expires the states itself, so a typist who vanishes stops "typing" everywhere
 * after `TYPING_TTL_MS` without anyone having to send `false`. One sweep timer runs while
 * anyone is typing, rather than a timer per state: at 2,000 notices a second, a timer set
 * and cleared per notice was a measurable part of the server's CPU.
 */
export class TypingTracker {
  /** Who is typing, by thread and typist, oldest refresh first (a refresh moves it last). */
  private readonly typing = new Map<string, { event: TypingEvent; endsAt: number }>();
  private sweeper: NodeJS.Timeout | null = null;
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
    // Events wait here until the stream is read or piped; a piped stream then gets each as it comes.
    const queue = new BoundedQueue<TypingEvent>(1_000);
    let sink: StreamSink<TypingEvent> | null = null;
    const listener = (event: TypingEvent) => {
      if (!matches(event)) return;
      if (sink) sink.item(event);
      else queue.push(event);
    };
    let own = this.listeners.get(userId);
    if (!own) this.listeners.set(userId, (own = new Set()));
    own.add(listener);
    const close = () => {
      own.delete(listener);
      if (own.size === 0 && this.listeners.get(userId) === own) this.listeners.delete(userId);
      queue.end();
      const piped = sink;
      sink = null;
      piped?.end(null);
    };
    const pipe = (target: StreamSink<TypingEvent>) => {
      for (let event = queue.shift(); event !== undefined; event = queue.shift()) target.item(event);
      if (queue.isEnded || queue.error) target.end(queue.error);
      else sink = target;
    };
    async function* events(): AsyncGenerator<TypingEvent> {
      try {
        for (let batch = await queue.take(); batch; batch = await queue.take()) yield* batch;
      } finally {
        close();
      }
    }
    return { read: () => closingWith(events(), close), pipe, close };
  }

  /** Typing streams listening on this instance. */
  get listening(): number {
    let count = 0;
    for (const own of this.listeners.values()) count += own.size;
    return count;
  }

  close(): void {
    this.unsubscribe();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.typing.clear();
  }

  private receive(event: TypingEvent): void {
    const key = `${event.offerId}:${event.driverId}:${event.userId}`;
    this.typing.delete(key);
    if (event.typing) {
      this.typing.set(key, { event, endsAt: performance.now() + TYPING_TTL_MS });
      if (!this.sweeper) {
        this.sweeper = setInterval(() => this.expire(), EXPIRY_SWEEP_MS);
        this.sweeper.unref();
      }
    }
    this.deliver(event);
  }

  /** Ends the states whose TTL has passed: the oldest first, stopping at the first still running. */
  private expire(): void {
    const now = performance.now();
    for (const [key, state] of this.typing) {
      if (state.endsAt > now) break;
      this.typing.delete(key);
      this.deliver({ ...state.event, typing: false });
    }
    if (this.typing.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  private deliver(event: TypingEvent): void {
    for (const userId of [event.dispatcherId, event.driverId]) {
      const listeners = this.listeners.get(userId);
      if (listeners) for (const listener of listeners) listener(event);
    }
  }
}
