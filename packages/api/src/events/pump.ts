import type { Database, EventStream } from "@convoy/db";
import type { Logger } from "pino";
import type { Bus } from "./bus";
import { channels } from "./channels";
import { latestEventId, readAllEventsAfter } from "./eventLog";
import { BoundedQueue } from "./queue";
import type { StoredEvent, Viewer } from "./types";

/**
 * Which events a subscriber wants, coarsely; the pump indexes subscribers by it so that
 * dispatching an event visits only the subscribers it can concern (an offer to 500 drivers
 * is 501 events: tested against all 500 sockets, that would be 250,000 matcher calls).
 */
export type PumpInterest =
  /** Rows whose audience names this user (for a dispatcher, also rows for all dispatchers). */
  | { viewer: Viewer }
  /** Rows of one trip. */
  | { tripId: number }
  /** Every row of a stream. */
  | { stream: EventStream };

interface Subscriber {
  matches: (event: StoredEvent) => boolean;
  queue: BoundedQueue<StoredEvent>;
}

function interestKey(interest: PumpInterest): string {
  if ("viewer" in interest) return `${interest.viewer.role}:${interest.viewer.userId}`;
  if ("tripId" in interest) return `trip:${interest.tripId}`;
  return `stream:${interest.stream}`;
}

export interface PumpSubscription {
  /** Every event with an id up to this was dispatched before the subscription began. */
  startId: number;
  queue: BoundedQueue<StoredEvent>;
  unsubscribe: () => void;
}

/** Told once per transaction that wrote events: seconds from its start to its commit, and how many events. */
export type EventWriteObserver = (seconds: number, events: number) => void;

export interface EventPumpOptions {
  /** How often the log is polled for events whose live message was lost. @default 500 (ms) */
  pollIntervalMs?: number;
  /** Events a slow subscriber may fall behind before it is cut off. @default 5_000 */
  subscriberBufferLimit?: number;
  /** Told about every committed transaction that wrote events (for the server's metrics); none by default. */
  onEventWrite?: EventWriteObserver;
}

/** What the pump has done since it started, for the server's metrics. */
export interface EventPumpStats {
  /** The highest event id dispatched. */
  watermark: number;
  /** The highest event id known to exist (from the bus or the log); `watermark` when caught up. */
  highestKnown: number;
  /** Events this process committed and published. */
  published: number;
  /** Events handed to subscribers' queues (one event to three subscribers counts three). */
  deliveries: number;
  /** Catch-up reads of the log that failed (MySQL away). */
  catchUpFailures: number;
}

/**
 * One per process: turns the bus's best-effort messages into a gap-free, in-order feed.
 *
 * Event ids are gap-free and committed in order (see `appendEvents`), so the pump keeps a
 * watermark and dispatches only id = watermark + 1. Anything else (a message lost by
 * Redis, a publish that raced another, a process that died between commit and publish)
 * triggers a catch-up read from MySQL. Subscribers therefore never see a gap or a
 * duplicate, and the log, not the bus, is what makes delivery exact.
 */
export class EventPump {
  private watermark = 0;
  private highestKnown = 0;
  private published = 0;
  private deliveries = 0;
  private catchUpFailures = 0;
  /** Subscribers by `interestKey`; each subscriber is under exactly one key. */
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  /** Every dispatcher's viewer subscriptions again, for rows meant for all dispatchers. */
  private readonly dispatcherViewers = new Set<Subscriber>();
  private catchUpRunning: Promise<void> | null = null;
  private catchUpAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly disposers: (() => void)[] = [];
  private readonly pollIntervalMs: number;
  private readonly subscriberBufferLimit: number;
  private readonly onEventWrite: EventWriteObserver | null;

  constructor(
    private readonly db: Database,
    private readonly bus: Bus,
    private readonly logger: Logger,
    options: EventPumpOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.subscriberBufferLimit = options.subscriberBufferLimit ?? 5_000;
    this.onEventWrite = options.onEventWrite ?? null;
  }

  async start(): Promise<void> {
    this.watermark = await latestEventId(this.db);
    this.highestKnown = this.watermark;
    this.disposers.push(
      this.bus.subscribe(channels.events, (message) => this.receive(message)),
      this.bus.onReconnect(() => void this.catchUp()),
    );
    this.timer = setInterval(() => void this.catchUp(), this.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const dispose of this.disposers.splice(0)) dispose();
    for (const group of this.subscribers.values()) for (const subscriber of group) subscriber.queue.end();
    this.subscribers.clear();
    this.dispatcherViewers.clear();
  }

  /** The highest event id this process has dispatched. */
  get position(): number {
    return this.watermark;
  }

  /** Counters since start; see `EventPumpStats`. */
  get stats(): EventPumpStats {
    const { watermark, published, deliveries, catchUpFailures } = this;
    return { watermark, highestKnown: Math.max(this.highestKnown, watermark), published, deliveries, catchUpFailures };
  }

  /**
   * Publishes events after their transaction committed. @param writeMs how long the
   * transaction took from its start to its commit, for the metrics
   */
  publish(events: StoredEvent[], writeMs?: number): void {
    const last = events.at(-1);
    if (!last) return;
    this.published += events.length;
    if (last.id > this.highestKnown) this.highestKnown = last.id;
    if (writeMs !== undefined) this.onEventWrite?.(writeMs / 1_000, events.length);
    this.bus.publish(channels.events, events);
  }

  /**
   * Live events for one subscriber: those its `interest` covers and `matches` accepts, in
   * id order, starting after `startId`.
   */
  subscribe(interest: PumpInterest, matches: (event: StoredEvent) => boolean): PumpSubscription {
    const entry: Subscriber = { matches, queue: new BoundedQueue<StoredEvent>(this.subscriberBufferLimit) };
    const key = interestKey(interest);
    const group = this.subscribers.get(key) ?? new Set<Subscriber>();
    this.subscribers.set(key, group.add(entry));
    const isDispatcher = "viewer" in interest && interest.viewer.role === "dispatcher";
    if (isDispatcher) this.dispatcherViewers.add(entry);
    const unsubscribe = () => {
      group.delete(entry);
      if (group.size === 0 && this.subscribers.get(key) === group) this.subscribers.delete(key);
      if (isDispatcher) this.dispatcherViewers.delete(entry);
    };
    return { startId: this.watermark, queue: entry.queue, unsubscribe };
  }

  /**
   * Reads and dispatches everything committed after the watermark. Concurrent calls share one
   * run. Never rejects: a failed read is logged and the next poll tries again.
   */
  catchUp(): Promise<void> {
    return this.sync().catch(() => undefined);
  }

  /**
   * `catchUp`, but rejects with MySQL's error when the log could not be read, for a caller
   * that must know how far the log goes (a resume from an id this process has not seen yet).
   */
  sync(): Promise<void> {
    if (this.catchUpRunning) {
      this.catchUpAgain = true;
      return this.catchUpRunning;
    }
    const run = (async () => {
      try {
        do {
          this.catchUpAgain = false;
          for (;;) {
            const batch = await readAllEventsAfter(this.db, this.watermark);
            for (const event of batch) this.dispatch(event);
            if (batch.length < 1_000) break;
          }
          // Set by a `catchUp()` call that arrived while this run was awaiting MySQL.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
        } while (this.catchUpAgain);
      } catch (error) {
        this.catchUpFailures++;
        this.logger.warn({ err: error }, "event catch-up failed; will retry");
        throw error;
      } finally {
        this.catchUpRunning = null;
      }
    })();
    // Callers attach their own handlers; this one only keeps a run nobody awaits from
    // becoming an unhandled rejection.
    run.catch(() => undefined);
    this.catchUpRunning = run;
    return run;
  }

  private receive(events: StoredEvent[]): void {
    const last = events.at(-1);
    if (last && last.id > this.highestKnown) this.highestKnown = last.id;
    for (const event of events) {
      if (event.id <= this.watermark) continue;
      if (event.id !== this.watermark + 1 || this.catchUpRunning) {
        void this.catchUp();
        return;
      }
      this.dispatch(event);
    }
  }

  private dispatch(event: StoredEvent): void {
    if (event.id !== this.watermark + 1) return;
    this.watermark = event.id;
    let delivered = 0;
    for (const group of this.audienceOf(event)) {
      if (!group) continue;
      for (const subscriber of group) {
        if (!subscriber.matches(event)) continue;
        subscriber.queue.push(event);
        delivered++;
      }
    }
    this.deliveries += delivered;
  }

  /** The subscriber groups an event can concern; disjoint, so nobody gets an event twice. */
  private audienceOf(event: StoredEvent): (Set<Subscriber> | undefined)[] {
    const group = (key: string) => this.subscribers.get(key);
    return [
      group(`stream:${event.stream}`),
      event.tripId === null ? undefined : group(`trip:${event.tripId}`),
      event.driverId === null ? undefined : group(`driver:${event.driverId}`),
      event.riderId === null ? undefined : group(`rider:${event.riderId}`),
      event.allDispatchers ? this.dispatcherViewers : event.dispatcherId === null ? undefined : group(`dispatcher:${event.dispatcherId}`),
    ];
  }
}
