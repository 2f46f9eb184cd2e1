import {
  and,
  asc,
  count,
  type DbOrTx,
  desc,
  drivers,
  eq,
  inArray,
  lt,
  offerRecipients,
  offers,
  recipientStatuses,
  type SQL,
  trips,
  users,
} from "@convoy/db";
import type { ListOffersInput } from "./schemas";
import {
  offerViewColumns,
  recipientViewColumns,
  toOfferView,
  toRecipientView,
  type OfferDetail,
  type OfferListItem,
  type OfferPage,
  type OfferViewer,
  type OfferViewRow,
  type RecipientCounts,
  type RecipientView,
} from "./views";

function selectOffers(db: DbOrTx, viewer: OfferViewer, where: SQL | undefined) {
  const base = db
    .select(offerViewColumns)
    .from(offers)
    .innerJoin(users, eq(users.id, offers.createdBy))
    .leftJoin(trips, eq(trips.offerId, offers.id))
    .$dynamic();
  // A dispatcher sees the offers they created; a driver those with a recipient row of theirs.
  return viewer.role === "dispatcher"
    ? base.where(and(eq(offers.createdBy, viewer.userId), where))
    : base.innerJoin(offerRecipients, and(eq(offerRecipients.offerId, offers.id), eq(offerRecipients.driverId, viewer.userId))).where(where);
}

async function selectRecipients(db: DbOrTx, offerIds: number[], onlyDriverId?: number): Promise<(RecipientView & { offerId: number })[]> {
  if (offerIds.length === 0) return [];
  const rows = await db
    .select(recipientViewColumns)
    .from(offerRecipients)
    .innerJoin(users, eq(users.id, offerRecipients.driverId))
    .innerJoin(drivers, eq(drivers.userId, offerRecipients.driverId))
    .where(and(inArray(offerRecipients.offerId, offerIds), onlyDriverId === undefined ? undefined : eq(offerRecipients.driverId, onlyDriverId)))
    .orderBy(asc(offerRecipients.id));
  return rows.map((row) => ({ ...toRecipientView(row), offerId: row.offerId }));
}

/**
 * One offer as `viewer` may see it, or null when it does not exist or is not theirs: a
 * dispatcher only sees offers they created, a driver only offers sent to them and only
 * their own recipient row (never another driver's status or counter).
 */
export async function getOfferDetail(db: DbOrTx, viewer: OfferViewer, offerId: number): Promise<OfferDetail | null> {
  const [row] = await selectOffers(db, viewer, eq(offers.id, offerId)).limit(1);
  if (!row) return null;
  const recipients = await selectRecipients(db, [offerId], viewer.role === "driver" ? viewer.userId : undefined);
  return { ...toOfferView(row, viewer), recipients: recipients.map(({ offerId: _, ...rest }) => rest) };
}

function emptyCounts(): RecipientCounts {
  const counts = { total: 0 } as RecipientCounts;
  for (const status of recipientStatuses) counts[status] = 0;
  return counts;
}

/**
 * A page of offers, newest first: a dispatcher's own offers with recipient counts, or
 * the offers sent to a driver with their own recipient row.
 */
export async function listOffers(db: DbOrTx, viewer: OfferViewer, input: ListOffersInput): Promise<OfferPage> {
  const rows: OfferViewRow[] = await selectOffers(
    db,
    viewer,
    and(input.status ? inArray(offers.status, input.status) : undefined, input.cursor ? lt(offers.id, input.cursor) : undefined),
  )
    .orderBy(desc(offers.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const offerIds = page.map((row) => row.id);

  let items: OfferListItem[];
  if (viewer.role === "dispatcher") {
    const countsByOffer = new Map<number, RecipientCounts>();
    if (offerIds.length > 0) {
      const grouped = await db
        .select({ offerId: offerRecipients.offerId, status: offerRecipients.status, n: count() })
        .from(offerRecipients)
        .where(inArray(offerRecipients.offerId, offerIds))
        .groupBy(offerRecipients.offerId, offerRecipients.status);
      for (const { offerId, status, n } of grouped) {
        let counts = countsByOffer.get(offerId);
        if (!counts) countsByOffer.set(offerId, (counts = emptyCounts()));
        counts[status] = n;
        counts.total += n;
      }
    }
    items = page.map((row) => ({
      ...toOfferView(row, viewer),
      recipientCounts: countsByOffer.get(row.id) ?? emptyCounts(),
      me: null,
    }));
  } else {
    const mine = new Map((await selectRecipients(db, offerIds, viewer.userId)).map((r) => [r.offerId, r]));
    items = page.map((row) => {
      const own = mine.get(row.id);
      return {
        ...toOfferView(row, viewer),
        recipientCounts: null,
        me: own ? toOwnRecipient(own) : null,
      };
    });
  }
  return { items, nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null };
}

function toOwnRecipient({ offerId: _, ...rest }: RecipientView & { offerId: number }): RecipientView {
  return rest;
}
