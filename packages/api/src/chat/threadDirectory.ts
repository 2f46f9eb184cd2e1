import { and, eq, offerRecipients, offers, or, type Database } from "@convoy/db";
import { LruCache } from "../lib/lruCache";

/** Threads looked up by one query at most. */
const MAX_THREADS_PER_LOOKUP = 500;

interface Lookup {
  key: string;
  offerId: number;
  driverId: number;
  answer: Promise<number | null>;
  resolve: (owner: number | null) => void;
  reject: (error: unknown) => void;
}

/** What a `ThreadDirectory` has done since it started. */
export interface ThreadDirectoryStats {
  /** Queries sent to MySQL. */
  queries: number;
  /** Threads those queries asked for. */
  threadsLookedUp: number;
}

/**
 * Which dispatcher owns the thread of (offer, driver), remembered. A thread is an offer's
 * recipient row joined to the offer, and neither side changes once written (an offer's
 * creator and recipients are fixed at creation, and offers are never deleted), so a found
 * thread stays true on every instance and needs no invalidation. A miss is not remembered:
 * the offer may be created a moment later.
 *
 * Threads not remembered are looked up together: one query runs at a time, for up to
 * `MAX_THREADS_PER_LOOKUP` threads, and every thread asked for while it runs goes in the
 * next one; a thread already waiting is not asked for twice. After a restart every client
 * reconnects at once and each of its first calls misses; one query per call would queue
 * thousands of them on the pool, where the calls behind them waited past the pool's acquire
 * timeout (2,266 typing calls and a batch of 200 messages refused in the first two seconds of
 * the chat benchmark at 2,000 messages a second).
 */
export class ThreadDirectory {
  private readonly owners: LruCache<string, number>;
  /** Threads queued or being looked up, by key. */
  private readonly waiting = new Map<string, Lookup>();
  private queued: Lookup[] = [];
  private running = false;
  private readonly counts: ThreadDirectoryStats = { queries: 0, threadsLookedUp: 0 };

  /** @param capacity threads remembered. @default 50_000 */
  constructor(
    private readonly db: Database,
    capacity = 50_000,
  ) {
    this.owners = new LruCache(capacity);
  }

  /** The offer's creator when `driverId` is one of its recipients, else null. */
  ownerOf(offerId: number, driverId: number): Promise<number | null> {
    const key = `${offerId}:${driverId}`;
    const known = this.owners.get(key);
    if (known !== undefined) return Promise.resolve(known);
    const waiting = this.waiting.get(key);
    if (waiting) return waiting.answer;
    const lookup = newLookup(key, offerId, driverId);
    this.waiting.set(key, lookup);
    this.queued.push(lookup);
    if (!this.running) {
      this.running = true;
      // From the next microtask, so the calls of this turn go in the same query.
      queueMicrotask(() => void this.lookUpQueued());
    }
    return lookup.answer;
  }

  stats(): ThreadDirectoryStats {
    return { ...this.counts };
  }

  private async lookUpQueued(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, MAX_THREADS_PER_LOOKUP);
      try {
        const owners = await this.query(batch);
        for (const lookup of batch) {
          const owner = owners.get(lookup.key) ?? null;
          if (owner !== null) this.owners.set(lookup.key, owner);
          this.waiting.delete(lookup.key);
          lookup.resolve(owner);
        }
      } catch (error) {
        for (const lookup of batch) {
          this.waiting.delete(lookup.key);
          lookup.reject(error);
        }
      }
    }
    this.running = false;
  }

  private async query(batch: readonly Lookup[]): Promise<Map<string, number>> {
    this.counts.queries++;
    this.counts.threadsLookedUp += batch.length;
    const rows = await this.db
      .select({ offerId: offerRecipients.offerId, driverId: offerRecipients.driverId, dispatcherId: offers.createdBy })
      .from(offerRecipients)
      .innerJoin(offers, eq(offers.id, offerRecipients.offerId))
      .where(or(...batch.map((lookup) => and(eq(offerRecipients.offerId, lookup.offerId), eq(offerRecipients.driverId, lookup.driverId)))));
    return new Map(rows.map((row) => [`${row.offerId}:${row.driverId}`, row.dispatcherId]));
  }
}

function newLookup(key: string, offerId: number, driverId: number): Lookup {
  let resolve!: (owner: number | null) => void;
  let reject!: (error: unknown) => void;
  const answer = new Promise<number | null>((resolveAnswer, rejectAnswer) => {
    resolve = resolveAnswer;
    reject = rejectAnswer;
  });
  return { key, offerId, driverId, answer, resolve, reject };
}
