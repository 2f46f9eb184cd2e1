import { TRPCError } from "@trpc/server";
import { and, count, desc, type Database, eq, gt, inArray, isNull, trackingLinks, trips, type TripKind, type TripStatus, users } from "@convoy/db";
import { badRequest, conflict, notFound } from "../lib/errors";
import { ACTIVE_TRIP_STATUSES } from "../lib/tripStatuses";
import { withTransaction } from "../lib/transaction";
import type { TripViewer } from "../trips/views";
import type { CreateTrackingLinkInput } from "./schemas";
import type { TrackingLinkSettings } from "./settings";
import { hashLinkToken, newLinkToken } from "./token";

/** Who manages a trip's links: its rider, or any dispatcher. Drivers have none. */
export interface LinkManager {
  userId: number;
  role: "dispatcher" | "rider";
}

export type TrackingLinkState = "live" | "expired" | "revoked";

/** A link as the list shows it to the people who manage it; the token is never in it. Times are ISO strings. */
export interface TrackingLinkView {
  id: number;
  tripId: number;
  label: string | null;
  createdBy: { id: number; name: string };
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  state: TrackingLinkState;
}

/** `trackingLinks.create`'s answer: the only time the token is ever seen. */
export interface CreatedTrackingLink {
  link: TrackingLinkView;
  token: string;
}

/** Most links `listTrackingLinks` returns, newest first. */
export const TRACKING_LINK_LIST_LIMIT = 50;

/** Drivers follow their own trip; only its rider and dispatchers share it. */
export function linkManager(viewer: TripViewer): LinkManager {
  if (viewer.role === "driver") {
    throw new TRPCError({ code: "FORBIDDEN", message: "Only the trip's rider or a dispatcher can share its tracking" });
  }
  return { userId: viewer.userId, role: viewer.role };
}

const linkColumns = {
  id: trackingLinks.id,
  tripId: trackingLinks.tripId,
  label: trackingLinks.label,
  createdById: trackingLinks.createdBy,
  createdByName: users.name,
  createdAt: trackingLinks.createdAt,
  expiresAt: trackingLinks.expiresAt,
  revokedAt: trackingLinks.revokedAt,
};

function selectLinks(db: Database) {
  return db.select(linkColumns).from(trackingLinks).innerJoin(users, eq(users.id, trackingLinks.createdBy));
}

type LinkRow = Awaited<ReturnType<typeof selectLinks>>[number];

function toView(row: LinkRow, now: number): TrackingLinkView {
  return {
    id: row.id,
    tripId: row.tripId,
    label: row.label,
    createdBy: { id: row.createdById, name: row.createdByName },
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    state: row.revokedAt ? "revoked" : row.expiresAt.getTime() <= now ? "expired" : "live",
  };
}

/**
 * Makes a link to a trip that has a driver on it, for its rider or any dispatcher, valid for
 * `expiresInMinutes` (at most the server's longest lifetime) or the default. The trip row is
 * locked while its live links are counted, so two creations at once cannot pass the cap
 * together. Someone else's trip is NOT_FOUND; a trip without a driver yet, or one that ended,
 * is PRECONDITION_FAILED; a trip at its cap of live links is CONFLICT.
 */
export async function createTrackingLink(
  db: Database,
  settings: TrackingLinkSettings,
  by: LinkManager,
  input: CreateTrackingLinkInput,
): Promise<CreatedTrackingLink> {
  const ttlMs = input.expiresInMinutes === undefined ? settings.defaultTtlMs : input.expiresInMinutes * 60_000;
  if (ttlMs > settings.maxTtlMs) {
    throw badRequest(`Invalid input: expiresInMinutes must be at most ${Math.floor(settings.maxTtlMs / 60_000)} on this server`);
  }
  const token = newLinkToken();
  const id = await withTransaction(db, async (tx) => {
    const [trip] = await tx.select({ riderId: trips.riderId, status: trips.status }).from(trips).where(eq(trips.id, input.tripId)).for("update");
    if (!trip || (by.role === "rider" && trip.riderId !== by.userId)) throw notFound("Trip");
    if (!(ACTIVE_TRIP_STATUSES as readonly TripStatus[]).includes(trip.status)) {
      throw new TRPCError({
        code: "PRECONDITION_FAILED",
        message:
          trip.status === "requested"
            ? "This trip has no driver yet; share its tracking once a driver has taken it"
            : `This trip is ${trip.status}; there is nothing left to track`,
      });
    }
    const now = new Date();
    const [live] = await tx
      .select({ n: count() })
      .from(trackingLinks)
      .where(and(eq(trackingLinks.tripId, input.tripId), isNull(trackingLinks.revokedAt), gt(trackingLinks.expiresAt, now)));
    if ((live?.n ?? 0) >= settings.maxLivePerTrip) {
      throw conflict(`This trip already has ${settings.maxLivePerTrip} live tracking links; revoke one first`);
    }
    const [inserted] = await tx
      .insert(trackingLinks)
      .values({
        tripId: input.tripId,
        createdBy: by.userId,
        tokenHash: hashLinkToken(token),
        label: input.label ?? null,
        expiresAt: new Date(now.getTime() + ttlMs),
      })
      .$returningId();
    return inserted!.id;
  });
  const [row] = await selectLinks(db).where(eq(trackingLinks.id, id));
  return { link: toView(row!, Date.now()), token };
}

/**
 * A trip's links, newest first: every link for a dispatcher, the rider's own for the rider.
 * Someone else's trip is NOT_FOUND.
 */
export async function listTrackingLinks(db: Database, by: LinkManager, tripId: number): Promise<TrackingLinkView[]> {
  const [trip] = await db.select({ riderId: trips.riderId }).from(trips).where(eq(trips.id, tripId));
  if (!trip || (by.role === "rider" && trip.riderId !== by.userId)) throw notFound("Trip");
  const rows = await selectLinks(db)
    .where(and(eq(trackingLinks.tripId, tripId), by.role === "rider" ? eq(trackingLinks.createdBy, by.userId) : undefined))
    .orderBy(desc(trackingLinks.id))
    .limit(TRACKING_LINK_LIST_LIMIT);
  const now = Date.now();
  return rows.map((row) => toView(row, now));
}

/**
 * Revokes a link: any dispatcher may revoke any link, a rider the links they made. Revoking
 * twice is harmless and answers the same. Someone else's link is NOT_FOUND. Closing the
 * link's open viewers is the caller's (see `TrackingLinkViewers.ended`).
 */
export async function revokeTrackingLink(db: Database, by: LinkManager, linkId: number): Promise<TrackingLinkView> {
  const mine = by.role === "rider" ? eq(trackingLinks.createdBy, by.userId) : undefined;
  await db
    .update(trackingLinks)
    .set({ revokedAt: new Date(), revokedBy: by.userId })
    .where(and(eq(trackingLinks.id, linkId), isNull(trackingLinks.revokedAt), mine));
  const [row] = await selectLinks(db).where(and(eq(trackingLinks.id, linkId), mine));
  if (!row) throw notFound("Tracking link");
  return toView(row, Date.now());
}

/** A link that opens now, as the public stream needs it. */
export interface OpenableLink {
  id: number;
  tripId: number;
  tripKind: TripKind;
  /** Epoch ms. */
  expiresAt: number;
  /** The link watches the trip on its creator's behalf: what they may see, and no more. */
  creator: TripViewer;
}

const ENDED: readonly TripStatus[] = ["completed", "cancelled"];

/**
 * The link whose token hashes to `tokenHash`, if it opens now: not revoked, not expired, its
 * creator's account not disabled, and its trip not ended more than `afterTripMs` ago. Null
 * otherwise, whichever the reason, so callers cannot tell a prober which it was.
 */
export async function findOpenableLink(db: Database, tokenHash: string, afterTripMs: number, now = Date.now()): Promise<OpenableLink | null> {
  const [row] = await db
    .select({
      id: trackingLinks.id,
      tripId: trackingLinks.tripId,
      expiresAt: trackingLinks.expiresAt,
      revokedAt: trackingLinks.revokedAt,
      createdBy: trackingLinks.createdBy,
      creatorRole: users.role,
      creatorDisabledAt: users.disabledAt,
      status: trips.status,
      tripKind: trips.kind,
      completedAt: trips.completedAt,
      cancelledAt: trips.cancelledAt,
    })
    .from(trackingLinks)
    .innerJoin(users, eq(users.id, trackingLinks.createdBy))
    .innerJoin(trips, eq(trips.id, trackingLinks.tripId))
    .where(eq(trackingLinks.tokenHash, tokenHash));
  if (!row || row.revokedAt || row.creatorDisabledAt || row.expiresAt.getTime() <= now || row.creatorRole === "driver") return null;
  if (ENDED.includes(row.status)) {
    const endedAt = (row.completedAt ?? row.cancelledAt)?.getTime() ?? 0;
    if (endedAt + afterTripMs <= now) return null;
  }
  return {
    id: row.id,
    tripId: row.tripId,
    tripKind: row.tripKind,
    expiresAt: row.expiresAt.getTime(),
    creator: { userId: row.createdBy, role: row.creatorRole },
  };
}

/**
 * Which of `ids` still stand in MySQL, with their expiry (epoch ms); a revoked link, a
 * missing one and one whose creator's account was disabled are absent.
 */
export async function readStandingLinks(db: Database, ids: readonly number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: trackingLinks.id, expiresAt: trackingLinks.expiresAt })
    .from(trackingLinks)
    .innerJoin(users, eq(users.id, trackingLinks.createdBy))
    .where(and(inArray(trackingLinks.id, [...ids]), isNull(trackingLinks.revokedAt), isNull(users.disabledAt)));
  return new Map(rows.map((row) => [row.id, row.expiresAt.getTime()]));
}
