import type { Database, EventStream } from "@convoy/db";
import type { Logger } from "pino";
import type { Bus } from "./bus";
import { channels } from "./channels";
import { isRetryableTransactionError } from "../lib/errors";
import { latestEventId, readAllEventsAfter } from "./eventLog";
import { checkEventIdIncrement, committedIdsBetween, waitForEventWriters } from "./gapProof";
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
  /**
   * How long an id may be missing, with a later id committed, before the pump asks MySQL
   * whether the transaction that took it is still open (see `gapProof.ts`). Commits out of
   * id order fill their gap within milliseconds; this only delays the events behind a
   * rolled-back id. @default 50 (ms)
   */
  gapGraceMs?: number;
  /** Told about every committed transaction that wrote events (for the server's metrics); none by default. */
  onEventWrite?: EventWriteObserver;
  /**
   * Told about each batch this process committed, once, right after its commit and before it
   * goes on the bus; it must return at once and not throw (it runs on the committing call).
   * Other instances' events never reach it. None by default.
   */
  onPublish?: (events: readonly StoredEvent[]) => void;
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
  /** Durable subscriptions listening now. */
  subscribers: number;
}

/** Events read from the log per query. */
const PAGE = 1_000;
/** Events held above a missing id; later ones stay in MySQL and are read once it is settled. */
const AHEAD_LIMIT = 10_000;
/** Longest wait for the transaction that may hold a missing id, per attempt, in seconds. */
const WRITER_WAIT_SECONDS = 1;
/** Attempts at start to see every writer that was open end (1 s each). */
const START_ATTEMPTS = 10;
/**
 * Pause after `waitForEventWriters` timed out, doubling per failure up to the maximum, in ms:
 * while it waits, every writer and reader of `events` waits too.
 */
const BARRIER_BACKOFF_MS = { first: 1_000, max: 8_000 };

/**
 * One per process: turns the bus's best-effort messages into a gap-free, in-order feed.
 *
 * Writers take event ids without waiting for each other (AUTO_INCREMENT, see `appendEvents`),
 * so ids commit out of order, and an id whose transaction rolled back is never written. The
 * pump keeps a watermark: every id at or below it is settled, i.e. committed (and dispatched)
 * or known never to be written. It dispatches strictly in id order: an event above a missing
 * id waits in `ahead` until that id arrives (from the bus, or from MySQL when its message was
 * lost) or is proven never to come (`settleGap`, after `gapGraceMs`, by waiting on the locks
 * of the transactions that could hold it; see `gapProof.ts`). Subscribers therefore never see
 * a gap or a duplicate, and the log, not the bus, is what makes delivery exact.
 *
 * A subscription starts at the watermark, and `readEvents` up to it is final, which is what
 * lets a durable stream read its backlog from MySQL and meet the live feed exactly.
 */
export class EventPump {
  private watermark = 0;
  private highestKnown = 0;
  private published = 0;
  private deliveries = 0;
  private catchUpFailures = 0;
  private subscriberCount = 0;
  /** Committed events above the watermark whose predecessors are not all settled, by id. */
  private readonly ahead = new Map<number, StoredEvent>();
  /** Set when `ahead` was full and an event was left to MySQL: read the log once it drains. */
  private aheadOverflowed = false;
  /** The missing id that holds `ahead` back, and when (performance.now()) it was first missed. */
  private gap: { id: number; since: number } | null = null;
  private gapTimer: NodeJS.Timeout | null = null;
  /** No `waitForEventWriters` before this (performance.now()); see `BARRIER_BACKOFF_MS`. */
  private barrierNotBefore = 0;
  private barrierFailures = 0;
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
  private readonly gapGraceMs: number;
  private readonly onEventWrite: EventWriteObserver | null;
  private readonly onPublish: ((events: readonly StoredEvent[]) => void) | null;

  constructor(
    private readonly db: Database,
    private readonly bus: Bus,
    private readonly logger: Logger,
    options: EventPumpOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.subscriberBufferLimit = options.subscriberBufferLimit ?? 5_000;
    this.gapGraceMs = options.gapGraceMs ?? 50;
    this.onEventWrite = options.onEventWrite ?? null;
    this.onPublish = options.onPublish ?? null;
  }

  /**
   * Starts at the latest committed id, once every transaction that could still write an id
   * below it has ended, so that the watermark is settled from the first subscription on.
   */
  async start(): Promise<void> {
    await checkEventIdIncrement(this.db);
    const latest = await latestEventId(this.db);
    for (let attempt = 1; ; attempt++) {
      try {
        await waitForEventWriters(this.db, WRITER_WAIT_SECONDS);
        break;
      } catch (error) {
        if (attempt >= START_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
        this.logger.warn({ attempt }, "a transaction writing events stays open; waiting for it before starting the event pump");
      }
    }
    this.watermark = latest;
    this.highestKnown = latest;
    this.disposers.push(
      this.bus.subscribe(channels.events, (message) => this.receive(message)),
      this.bus.onReconnect(() => void this.catchUp()),
    );
    this.timer = setInterval(() => void this.catchUp(), this.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
    for (const dispose of this.disposers.splice(0)) dispose();
    for (const group of this.subscribers.values()) {
      for (const subscriber of group) subscriber.queue.end();
      group.clear();
    }
    this.subscribers.clear();
    this.subscriberCount = 0;
    this.dispatcherViewers.clear();
    this.ahead.clear();
    this.gap = null;
  }

  /** The watermark: every id up to this is dispatched or known never to be written. */
  get position(): number {
    return this.watermark;
  }

  /** Counters since start; see `EventPumpStats`. */
  get stats(): EventPumpStats {
    const { watermark, published, deliveries, catchUpFailures, subscriberCount: subscribers } = this;
    return { watermark, highestKnown: Math.max(this.highestKnown, watermark), published, deliveries, catchUpFailures, subscribers };
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
    this.onPublish?.(events);
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
    this.subscriberCount++;
    const unsubscribe = () => {
      if (!group.delete(entry)) return;
      this.subscriberCount--;
      if (group.size === 0 && this.subscribers.get(key) === group) this.subscribers.delete(key);
      if (isDispatcher) this.dispatcherViewers.delete(entry);
    };
    return { startId: this.watermark, queue: entry.queue, unsubscribe };
  }

  /**
   * Reads and dispatches what was committed after the watermark. Concurrent calls share one
   * run. Never rejects: a failed read is logged and the next poll tries again.
   */
  catchUp(): Promise<void> {
    return this.sync().catch(() => undefined);
  }

  /**
   * `catchUp`, but rejects with MySQL's error when the log could not be read, for a caller
   * that must know how far the log goes (a resume from an id this process has not seen yet).
   * The watermark may still stop below what was read, at an id not yet settled.
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
          await this.readLog();
          // Settled: read on past what the missing id held back.
          if (this.gapIsDue() && (await this.settleGap())) this.catchUpAgain = true;
          // Also set by a `catchUp()` call that arrived while this run was awaiting MySQL.
        } while (this.catchUpAgain);
      } catch (error) {
        this.catchUpFailures++;
        this.logger.warn({ err: error }, "event catch-up failed; will retry");
        throw error;
      } finally {
        this.catchUpRunning = null;
        if (this.gap) this.armGapTimer();
      }
    })();
    // Callers attach their own handlers; this one only keeps a run nobody awaits from
    // becoming an unhandled rejection.
    run.catch(() => undefined);
    this.catchUpRunning = run;
    return run;
  }

  /** Reads the log after the watermark, page by page, until it ends or a missing id stops the pages from draining. */
  private async readLog(): Promise<void> {
    for (;;) {
      const batch = await readAllEventsAfter(this.db, this.watermark, PAGE);
      for (const event of batch) this.hold(event);
      this.advance();
      if (batch.length < PAGE || this.gap) return;
    }
  }

  /** When the current gap may be settled (performance.now()); null when there is none. */
  private gapDueAt(): number | null {
    return this.gap && Math.max(this.gap.since + this.gapGraceMs, this.barrierNotBefore);
  }

  private gapIsDue(): boolean {
    const dueAt = this.gapDueAt();
    return dueAt !== null && performance.now() >= dueAt;
  }

  /**
   * Settles every id between the watermark and a committed id above the gap: waits for the
   * transactions that could still write one (see `gapProof.ts`), then dispatches what a fresh
   * read finds and steps over the rest, which no transaction can write any more. False when a
   * transaction that may hold an id is still open after `WRITER_WAIT_SECONDS`: the events
   * behind it keep waiting and the next catch-up tries again.
   */
  private async settleGap(): Promise<boolean> {
    const from = this.watermark;
    const upTo = this.settleBound();
    try {
      const committed = await committedIdsBetween(this.db, from, upTo, WRITER_WAIT_SECONDS);
      // Ids still missing: rolled back, or taken by an INSERT that has not written its rows yet.
      if (committed.length < upTo - from - 1) await this.waitForEventWriters();
      while (this.watermark < upTo) {
        const page = await readAllEventsAfter(this.db, this.watermark, PAGE, upTo);
        for (const event of page) {
          if (event.id <= this.watermark) continue;
          this.ahead.delete(event.id);
          // The ids in between are settled and absent: never written.
          this.watermark = event.id - 1;
          this.dispatch(event);
        }
        if (page.length < PAGE) this.watermark = Math.max(this.watermark, upTo);
      }
      for (const id of this.ahead.keys()) if (id <= this.watermark) this.ahead.delete(id);
    } catch (error) {
      if (!isRetryableTransactionError(error)) throw error;
      this.logger.info({ missingId: this.watermark + 1 }, "an event id's transaction is still open; its successors wait for it");
      return false;
    }
    this.advance();
    return true;
  }

  /** `waitForEventWriters`, backing off after a timeout (see `BARRIER_BACKOFF_MS`). */
  private async waitForEventWriters(): Promise<void> {
    try {
      await waitForEventWriters(this.db, WRITER_WAIT_SECONDS);
      this.barrierFailures = 0;
    } catch (error) {
      if (isRetryableTransactionError(error)) {
        const pause = Math.min(BARRIER_BACKOFF_MS.first * 2 ** this.barrierFailures, BARRIER_BACKOFF_MS.max);
        this.barrierFailures++;
        this.barrierNotBefore = performance.now() + pause;
        this.logger.warn({ pauseMs: pause }, "a transaction writing events stays open; the events after a rolled-back id wait for it");
      }
      throw error;
    }
  }

  /**
   * A committed id above the gap to settle up to: the highest held within a page of the
   * watermark, so that one settling covers a burst of out-of-order commits.
   */
  private settleBound(): number {
    let bound = Infinity;
    let nearest = 0;
    for (const id of this.ahead.keys()) {
      if (id <= this.watermark + PAGE) nearest = Math.max(nearest, id);
      bound = Math.min(bound, id);
    }
    return nearest || bound;
  }

  private receive(events: StoredEvent[]): void {
    for (const event of events) this.hold(event);
    this.advance();
  }

  private hold(event: StoredEvent): void {
    if (event.id > this.highestKnown) this.highestKnown = event.id;
    if (event.id <= this.watermark || this.ahead.has(event.id)) return;
    if (this.ahead.size >= AHEAD_LIMIT) {
      this.aheadOverflowed = true;
      return;
    }
    this.ahead.set(event.id, event);
  }

  /** Dispatches the held events that follow the watermark without a gap. */
  private advance(): void {
    for (let next = this.ahead.get(this.watermark + 1); next; next = this.ahead.get(this.watermark + 1)) {
      this.ahead.delete(next.id);
      this.dispatch(next);
    }
    if (this.ahead.size > 0) {
      const missing = this.watermark + 1;
      if (this.gap?.id !== missing) {
        this.gap = { id: missing, since: performance.now() };
        this.armGapTimer();
      }
      return;
    }
    this.gap = null;
    if (this.aheadOverflowed) {
      this.aheadOverflowed = false;
      void this.catchUp();
    }
  }

  /** Runs a catch-up when the current gap is due to be settled. */
  private armGapTimer(): void {
    const dueAt = this.gapDueAt();
    if (this.gapTimer || dueAt === null) return;
    const delay = Math.max(0, dueAt - performance.now());
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      if (!this.gap) return;
      if (this.gapIsDue()) void this.catchUp();
      else this.armGapTimer();
    }, delay);
    this.gapTimer.unref();
  }

  /** Hands an event to its subscribers; the caller has checked it is the next one. */
  private dispatch(event: StoredEvent): void {
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
