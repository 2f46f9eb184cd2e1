import { eq, offers } from "@convoy/db";
import type { CommitHook } from "../events/commit";
import type { NewEvent } from "../events/types";
import { formatCents } from "../lib/money";
import { insertMessages, type NewMessage } from "./messages";

/** The thread message an offer event leaves behind, if any. */
function activityMessage(event: NewEvent): { driverId: number; kind: "rate_proposal" | "system"; body: string } | null {
  const payload = event.payload as { driverId?: number; counterRateCents?: number; agreedRateCents?: number };
  switch (event.type) {
    case "offer.countered":
      return payload.driverId !== undefined && payload.counterRateCents !== undefined
        ? { driverId: payload.driverId, kind: "rate_proposal", body: `Countered at ${formatCents(payload.counterRateCents)}` }
        : null;
    case "offer.accepted":
      return payload.driverId !== undefined && payload.agreedRateCents !== undefined
        ? { driverId: payload.driverId, kind: "system", body: `Accepted at ${formatCents(payload.agreedRateCents)}` }
        : null;
    case "offer.expired":
      return event.driverId ? { driverId: event.driverId, kind: "system", body: "Offer expired" } : null;
    case "offer.withdrawn":
      return event.driverId ? { driverId: event.driverId, kind: "system", body: "Offer withdrawn by the dispatcher" } : null;
    case "offer.lost":
      return event.driverId ? { driverId: event.driverId, kind: "system", body: "Offer went to another driver" } : null;
    default:
      return null;
  }
}

/**
 * Writes offer activity ("Countered at $X", "Accepted at $X", "Offer expired") into the
 * affected chat threads, in the same transaction as the offer change, so the thread and
 * the offer never disagree. A commit hook (see `CommitHook`), registered when the services are built.
 */
export const recordOfferActivity: CommitHook = async (tx, emit, emitted) => {
  // Null for a ride offer: its creator is a rider, who has no chat threads.
  const dispatcherOf = new Map<number, number | null>();
  const seen = new Set<string>();
  const posts: NewMessage[] = [];
  for (const event of emitted) {
    if (event.stream !== "offers" || !event.offerId) continue;
    const activity = activityMessage(event);
    if (!activity) continue;
    // The same change can emit one row for the dispatcher and one for the driver.
    const key = `${event.offerId}:${activity.driverId}:${event.type}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let dispatcherId = event.dispatcherId ?? dispatcherOf.get(event.offerId);
    if (dispatcherId === undefined) {
      const [offer] = await tx.select({ createdBy: offers.createdBy, kind: offers.kind }).from(offers).where(eq(offers.id, event.offerId));
      if (!offer) continue;
      dispatcherId = offer.kind === "ride" ? null : offer.createdBy;
      dispatcherOf.set(event.offerId, dispatcherId);
    }
    if (dispatcherId === null) continue;
    posts.push({
      thread: { offerId: event.offerId, driverId: activity.driverId, dispatcherId },
      senderId: null,
      kind: activity.kind,
      body: activity.body,
      clientMessageId: null,
    });
  }
  // One INSERT for all of them: an offer won among 500 drivers leaves 500 threads a line.
  await insertMessages(tx, emit, posts);
};
