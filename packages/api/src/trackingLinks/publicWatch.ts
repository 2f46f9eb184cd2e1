import { TRPCError } from "@trpc/server";
import { type Database, eq, trips, type TripKind, type TripStatus, users } from "@convoy/db";
import type { ConnectionBacklog } from "../lib/socketBacklog";
import { consumeOrThrow, type RateLimits } from "../lib/rateLimits";
import type { EtaSource } from "../trips/eta";
import type { TripTrackingFrame } from "../trips/tripWatch";
import type { TripViewer } from "../trips/views";
import type { TrackingLinkSettings } from "./settings";
import { findOpenableLink } from "./store";
import { hashLinkToken } from "./token";
import type { LinkEndReason, TrackingLinkViewers } from "./viewers";

/**
 * One frame of the public tracking page: the driver's position, the trip's status and the
 * ETA, and nothing else (no ids, no contact details, no places, no prices; the driver by
 * first name). Times are epoch ms.
 * - snapshot: the first frame
 * - position: the driver moved, or the ETA changed
 * - status:   the trip moved on, or another driver took it; after `completed` or `cancelled` the stream ends
 * - ended:    the link was revoked or expired; the stream ends
 */
export interface PublicTrackingFrame {
  kind: "snapshot" | "position" | "status" | "ended";
  /** A ride or a load, so the page words the status as the trip's people do. */
  tripKind: TripKind;
  status: TripStatus;
  /** The driver's first name; null when the trip has no driver to show. */
  driverFirstName: string | null;
  /** The driver's newest known position; null if none is known (or the trip is over). */
  position: { lat: number; lng: number; headingDeg: number | null; recordedAt: number } | null;
  /** Where the ETA points: the pickup until the driver arrives, then the dropoff; null once ended. */
  target: "pickup" | "dropoff" | null;
  /** Whole seconds to the target; null without a position or target. */
  etaSeconds: number | null;
  /** `route` from the routing engine, `estimate` from the straight line; null without an ETA. */
  etaSource: EtaSource | null;
  /** Why the link stopped working; only on an `ended` frame. */
  ended: LinkEndReason | null;
  /** When the link stops working. */
  expiresAt: number;
  /** Server time the frame was built. */
  at: number;
}

export interface LinkWatchDeps {
  db: Database;
  limits: RateLimits;
  settings: TrackingLinkSettings;
  viewers: TrackingLinkViewers;
  /** The trip's tracking stream as `viewer` sees it (`TripService.watch`). */
  watchTrip: (viewer: TripViewer, tripId: number, signal: AbortSignal, backlog: ConnectionBacklog | null) => AsyncGenerator<TripTrackingFrame>;
}

/** The one answer for a token that opens nothing, whether mistyped, expired, revoked or made up. */
export function linkNotFound(): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: "This tracking link does not work: it was mistyped, has expired or was revoked" });
}

/**
 * Follows the trip behind a link token for someone with no account, on the same stream the
 * rider's own view uses (`watchTrip`, on the link creator's behalf), each frame cut down to
 * `PublicTrackingFrame`. Opening spends the remote address's budget of opens first, so
 * tokens cannot be tried in bulk; a token that opens nothing is `linkNotFound` whatever the
 * reason. The viewer takes a place of its link's and its address's (TOO_MANY_REQUESTS when
 * none is free), given back when the stream ends. When the link is revoked or expires the
 * stream sends an `ended` frame and ends; when the trip ends it ends after the status frame.
 */
export async function* watchTrackingLink(
  deps: LinkWatchDeps,
  token: string,
  address: string,
  signal: AbortSignal | undefined,
  backlog: ConnectionBacklog | null,
): AsyncGenerator<PublicTrackingFrame> {
  await consumeOrThrow(deps.limits, "trackingLinkOpen", address, "tracking pages opened from your address");
  const link = await findOpenableLink(deps.db, hashLinkToken(token), deps.settings.afterTripMs);
  if (!link) throw linkNotFound();
  const viewer = deps.viewers.open(link, address);
  const stop = signal ? AbortSignal.any([signal, viewer.signal]) : viewer.signal;
  const firstNames = new Map<number, string | null>();
  const firstNameOf = async (driverId: number): Promise<string | null> => {
    if (!firstNames.has(driverId)) {
      const [row] = await deps.db.select({ name: users.name }).from(users).where(eq(users.id, driverId));
      firstNames.set(driverId, row ? firstName(row.name) : null);
    }
    return firstNames.get(driverId) ?? null;
  };
  let status: TripStatus | null = null;
  let driverFirstName: string | null = null;
  try {
    try {
      for await (const frame of deps.watchTrip(link.creator, link.tripId, stop, backlog)) {
        status = frame.status;
        driverFirstName = await firstNameOf(frame.driverId);
        yield toPublicFrame(frame, link.tripKind, driverFirstName, link.expiresAt);
      }
    } catch (error) {
      // The trip ended before the stream could follow it (or as it began): say how it stands, once.
      if (!(error instanceof TRPCError && error.code === "PRECONDITION_FAILED") || status !== null) throw error;
      const [trip] = await deps.db.select({ status: trips.status }).from(trips).where(eq(trips.id, link.tripId));
      if (!trip) throw linkNotFound();
      yield quietFrame("snapshot", link.tripKind, trip.status, null, null, link.expiresAt);
      return;
    }
    if (viewer.ended && status) yield quietFrame("ended", link.tripKind, status, driverFirstName, viewer.ended, link.expiresAt);
  } finally {
    viewer.release();
  }
}

/** The first word of a name, at most 40 characters: how the page names the driver. */
export function firstName(name: string): string | null {
  const first = name.trim().split(/\s+/)[0];
  return first ? first.slice(0, 40) : null;
}

function toPublicFrame(frame: TripTrackingFrame, tripKind: TripKind, driverFirstName: string | null, expiresAt: number): PublicTrackingFrame {
  const { position } = frame;
  return {
    kind: frame.kind === "driver" ? "status" : frame.kind,
    tripKind,
    status: frame.status,
    driverFirstName,
    position: position && { lat: position.lat, lng: position.lng, headingDeg: position.headingDeg, recordedAt: position.recordedAt },
    target: frame.target,
    etaSeconds: frame.etaSeconds,
    etaSource: frame.etaSource,
    ended: null,
    expiresAt,
    at: frame.at,
  };
}

/** A frame with no position or ETA: the trip is over, or the link is. */
function quietFrame(
  kind: PublicTrackingFrame["kind"],
  tripKind: TripKind,
  status: TripStatus,
  driverFirstName: string | null,
  ended: LinkEndReason | null,
  expiresAt: number,
): PublicTrackingFrame {
  return {
    kind,
    tripKind,
    status,
    driverFirstName,
    position: null,
    target: null,
    etaSeconds: null,
    etaSource: null,
    ended,
    expiresAt,
    at: Date.now(),
  };
}
