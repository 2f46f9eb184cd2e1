import type { Database } from "@convoy/db";
import type { Logger } from "pino";
import { channels, type Bus } from "./bus";
import { latestEventId, readAllEventsAfter } from "./eventLog";
import { BoundedQueue } from "./queue";
import type { StoredEvent } from "./types";

export interface PumpSubscription {
  /** Every event with an id up to this was dispatched before the subscription began. */
  startId: number;
  queue: BoundedQueue<StoredEvent>;
  unsubscribe: () => void;
}

export interface EventPumpOptions {
  /** How often the log is polled for events whose live message was lost. @default 500 (ms) */
  pollIntervalMs?: number;
  /** Events a slow subscriber may fall behind before it is cut off. @default 5_000 */
  subscriberBufferLimit?: number;
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
  private readonly subscribers = new Set<{ matches: (event: StoredEvent) => boolean; queue: BoundedQueue<StoredEvent> }>();
  private catchUpRunning: Promise<void> | null = null;
  private catchUpAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly disposers: (() => void)[] = [];
  private readonly pollIntervalMs: number;
  private readonly subscriberBufferLimit: number;

  constructor(
    private readonly db: Database,
    private readonly bus: Bus,
    private readonly logger: Logger,
    options: EventPumpOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.subscriberBufferLimit = options.subscriberBufferLimit ?? 5_000;
  }

  async start(): Promise<void> {
    this.watermark = await latestEventId(this.db);
    this.disposers.push(
      this.bus.subscribe(channels.events, (message) => this.receive(message as StoredEvent[])),
      this.bus.onReconnect(() => void this.catchUp()),
    );
    this.timer = setInterval(() => void this.catchUp(), this.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const dispose of this.disposers.splice(0)) dispose();
    for (const subscriber of this.subscribers) subscriber.queue.end();
    this.subscribers.clear();
  }

  /** The highest event id this process has dispatched. */
  get position(): number {
    return this.watermark;
  }

  /** Publishes events after their transaction committed. */
  publish(events: StoredEvent[]): void {
    if (events.length > 0) this.bus.publish(channels.events, events);
  }

  subscribe(matches: (event: StoredEvent) => boolean): PumpSubscription {
    const entry = { matches, queue: new BoundedQueue<StoredEvent>(this.subscriberBufferLimit) };
    this.subscribers.add(entry);
    return { startId: this.watermark, queue: entry.queue, unsubscribe: () => this.subscribers.delete(entry) };
  }

  /** Reads and dispatches everything committed after the watermark. Concurrent calls share one run. */
  catchUp(): Promise<void> {
    if (this.catchUpRunning) {
      this.catchUpAgain = true;
      return this.catchUpRunning;
    }
    this.catchUpRunning = (async () => {
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
        this.logger.warn({ err: error }, "event catch-up failed; will retry");
      } finally {
        this.catchUpRunning = null;
      }
    })();
    return this.catchUpRunning;
  }

  private receive(events: StoredEvent[]): void {
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
    for (const subscriber of this.subscribers) {
      if (subscriber.matches(event)) subscriber.queue.push(event);
    }
  }
}
