import { and, eq, offerRecipients, offers, or, type Database } from "@convoy/db";
import { BatchedLookup, type BatchedLookupStats } from "../lib/batchedLookup";
import { LruCache } from "../lib/lruCache";

/** Threads looked up by one query at most. */
const MAX_THREADS_PER_QUERY = 500;

/**
 * Which dispatcher owns the thread of (offer, driver), remembered. A thread is an offer's
 * recipient row joined to the offer, and neither side changes once written (an offer's
 * creator and recipients are fixed at creation, and offers are never deleted), so a found
 * thread stays true on every instance and needs no invalidation. A miss is not remembered:
 * the offer may be created a moment later.
 *
 * Threads not remembered are looked up together (`BatchedLookup`): a cold server under
 * 2,000 chat messages a second sent one query per typing call, queued them on the pool past
 * its acquire timeout, and refused 2,466 calls in its first two seconds.
 */
export class ThreadDirectory {
  private readonly owners: LruCache<string, number>;
  private readonly lookup: BatchedLookup<string, number>;

  /** @param capacity threads remembered. @default 50_000 */
  constructor(db: Database, capacity = 50_000) {
    this.owners = new LruCache(capacity);
    this.lookup = new BatchedLookup((keys) => readOwners(db, keys), MAX_THREADS_PER_QUERY);
  }

  /** The offer's creator when `driverId` is one of its recipients, else null. */
  async ownerOf(offerId: number, driverId: number): Promise<number | null> {
    const known = this.knownOwnerOf(offerId, driverId);
    if (known !== undefined) return known;
    const key = threadKey(offerId, driverId);
    const owner = await this.lookup.get(key);
    if (owner === undefined) return null;
    this.owners.set(key, owner);
    return owner;
  }

  /** The thread's owner when it is remembered; undefined when only `ownerOf` can tell. */
  knownOwnerOf(offerId: number, driverId: number): number | undefined {
    return this.owners.get(threadKey(offerId, driverId));
  }

  /** Queries sent (`lookups`) and threads asked for in them (`keys`). */
  stats(): BatchedLookupStats {
    return this.lookup.stats();
  }
}

const threadKey = (offerId: number, driverId: number) => `${offerId}:${driverId}`;

/** The owners of the threads `keys` name ("offerId:driverId"), by key; a key that is no thread is absent. */
async function readOwners(db: Database, keys: readonly string[]): Promise<Map<string, number>> {
  const threads = keys.map((key) => key.split(":").map(Number) as [number, number]);
  const rows = await db
    .select({ offerId: offerRecipients.offerId, driverId: offerRecipients.driverId, dispatcherId: offers.createdBy })
    .from(offerRecipients)
    .innerJoin(offers, eq(offers.id, offerRecipients.offerId))
    .where(or(...threads.map(([offerId, driverId]) => and(eq(offerRecipients.offerId, offerId), eq(offerRecipients.driverId, driverId)))));
  return new Map(rows.map((row) => [threadKey(row.offerId, row.driverId), row.dispatcherId]));
}
