import { inArray, sql } from "drizzle-orm";
import { drivers, offerRecipients, offers, type OfferKind } from "@convoy/db";
import { commitWithEvents, type Emit } from "../events/commit";
import { badRequest } from "../lib/errors";
import { haversineKm } from "../lib/geo";
import type { Tx } from "../lib/transaction";
import type { OfferDeps } from "./deps";
import { DB_NOW } from "./guards";
import { offerEvent, offerOwner } from "./offerEvents";
import { getOfferDetail, selectOfferRow } from "./queries";
import type { CreateOfferInput } from "./schemas";
import { toOfferSummary, type OfferDetail, type OfferSummary, type Place } from "./views";

/** Everything an offer is made of, whoever makes it: a dispatcher's load or a rider's ride. */
export interface NewOfferSpec {
  /** The dispatcher (load) or the rider (ride). */
  createdBy: number;
  kind: OfferKind;
  /** The rider's trip, for a ride offer; null for a load. */
  tripId: number | null;
  pickup: Place;
  dropoff: Place;
  /** Kilograms; 0 for a ride. */
  weightKg: number;
  /** Centimetres; all 0 for a ride. */
  dimensions: { lengthCm: number; widthCm: number; heightCm: number };
  /** Integer cents. */
  rateCents: number;
  notes: string;
  /** Seconds from now, by the database clock. */
  expiresInSeconds: number;
  /** Known driver ids, no repeats, at least one. */
  driverIds: readonly number[];
}

/**
 * Inserts an offer and one recipient row per driver inside the caller's transaction and
 * emits `offer.created` for the owner (a load's dispatcher; see `offerOwner`) and
 * `offer.received` for each driver. The deadline is set by the database clock; the
 * distance is great-circle km. The caller has checked the driver ids.
 */
export async function insertOffer(tx: Tx, emit: Emit, spec: NewOfferSpec): Promise<OfferSummary> {
  const distanceKm = Math.round(haversineKm(spec.pickup, spec.dropoff) * 1_000) / 1_000;
  const [inserted] = await tx
    .insert(offers)
    .values({
      createdBy: spec.createdBy,
      kind: spec.kind,
      tripId: spec.tripId,
      pickupAddress: spec.pickup.address,
      pickupLat: spec.pickup.lat,
      pickupLng: spec.pickup.lng,
      dropoffAddress: spec.dropoff.address,
      dropoffLat: spec.dropoff.lat,
      dropoffLng: spec.dropoff.lng,
      weightKg: spec.weightKg,
      lengthCm: spec.dimensions.lengthCm,
      widthCm: spec.dimensions.widthCm,
      heightCm: spec.dimensions.heightCm,
      distanceKm,
      rateCents: spec.rateCents,
      notes: spec.notes,
      status: "open",
      expiresAt: sql`DATE_ADD(${DB_NOW}, INTERVAL ${spec.expiresInSeconds} SECOND)`,
    })
    .$returningId();
  if (!inserted) throw new Error("offer insert returned no id");
  const id = inserted.id;

  await tx.insert(offerRecipients).values(spec.driverIds.map((driverId) => ({ offerId: id, driverId, status: "sent" as const })));

  const row = await selectOfferRow(tx, id);
  if (!row) throw new Error("offer vanished inside its own transaction");
  const offer = toOfferSummary(row);
  const dispatcherId = offerOwner(spec);
  if (dispatcherId !== undefined) {
    emit(offerEvent(id, { dispatcherId }, { type: "offer.created", offer, driverIds: [...spec.driverIds] }));
  }
  for (const driverId of spec.driverIds) emit(offerEvent(id, { driverId }, { type: "offer.received", offer }));
  return offer;
}

/**
 * Creates a load offer and sends it to every driver in `input.driverIds`, in one
 * transaction with its events: `offer.created` for the dispatcher and `offer.received`
 * for each driver. An id that is not a driver is refused by name and nothing is written.
 */
export async function createOffer(deps: OfferDeps, dispatcherId: number, input: CreateOfferInput): Promise<OfferDetail> {
  const offerId = await commitWithEvents(deps, async (tx, emit) => {
    const known = await tx.select({ id: drivers.userId }).from(drivers).where(inArray(drivers.userId, input.driverIds));
    const knownIds = new Set(known.map((row) => row.id));
    const unknown = input.driverIds.filter((id) => !knownIds.has(id));
    if (unknown.length > 0) {
      throw badRequest(`Unknown driver id${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`);
    }
    const offer = await insertOffer(tx, emit, { ...input, createdBy: dispatcherId, kind: "load", tripId: null });
    return offer.id;
  });
  const detail = await getOfferDetail(deps.db, { userId: dispatcherId, role: "dispatcher" }, offerId);
  if (!detail) throw new Error("a just-created offer could not be read back");
  return detail;
}
