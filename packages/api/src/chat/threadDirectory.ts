import { and, eq, offerRecipients, offers, type Database } from "@convoy/db";
import { LruCache } from "../lib/lruCache";

/**
 * Which dispatcher owns the thread of (offer, driver), remembered. A thread is an offer's
 * recipient row joined to the offer, and neither side changes once written (an offer's
 * creator and recipients are fixed at creation, and offers are never deleted), so a found
 * thread stays true on every instance and needs no invalidation. A miss is not remembered:
 * the offer may be created a moment later.
 */
export class ThreadDirectory {
  private readonly owners: LruCache<string, number>;

  /** @param capacity threads remembered. @default 50_000 */
  constructor(
    private readonly db: Database,
    capacity = 50_000,
  ) {
    this.owners = new LruCache(capacity);
  }

  /** The offer's creator when `driverId` is one of its recipients, else null. */
  async ownerOf(offerId: number, driverId: number): Promise<number | null> {
    const key = `${offerId}:${driverId}`;
    const known = this.owners.get(key);
    if (known !== undefined) return known;
    const [row] = await this.db
      .select({ dispatcherId: offers.createdBy })
      .from(offerRecipients)
      .innerJoin(offers, eq(offers.id, offerRecipients.offerId))
      .where(and(eq(offerRecipients.offerId, offerId), eq(offerRecipients.driverId, driverId)))
      .limit(1);
    if (!row) return null;
    this.owners.set(key, row.dispatcherId);
    return row.dispatcherId;
  }
}
