import { inArray, sql } from "drizzle-orm";
import { drivers, offerRecipients, offers } from "@convoy/db";
import { commitWithEvents } from "../events/commit";
import { badRequest } from "../lib/errors";
import { haversineKm } from "../lib/geo";
import type { OfferDeps } from "./deps";
import { DB_NOW } from "./guards";
import { offerEvent } from "./offerEvents";
import { getOfferDetail, selectOfferRow } from "./queries";
import type { CreateOfferInput } from "./schemas";
import { toOfferSummary, type OfferDetail } from "./views";

/**
 * Creates a load offer and sends it to every driver in `input.driverIds`, in one
 * transaction with its events: `offer.created` for the dispatcher and `offer.received`
 * for each driver. An id that is not a driver is refused by name and nothing is written.
 * The deadline is set by the database clock; the distance is great-circle km.
 */
export async function createOffer(deps: OfferDeps, dispatcherId: number, input: CreateOfferInput): Promise<OfferDetail> {
  const offerId = await commitWithEvents(deps, async (tx, emit) => {
    const known = await tx.select({ id: drivers.userId }).from(drivers).where(inArray(drivers.userId, input.driverIds));
    const knownIds = new Set(known.map((row) => row.id));
    const unknown = input.driverIds.filter((id) => !knownIds.has(id));
    if (unknown.length > 0) {
      throw badRequest(`Unknown driver id${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`);
    }

    const distanceKm = Math.round(haversineKm(input.pickup, input.dropoff) * 1_000) / 1_000;
    const [inserted] = await tx
      .insert(offers)
      .values({
        createdBy: dispatcherId,
        kind: "load",
        pickupAddress: input.pickup.address,
        pickupLat: input.pickup.lat,
        pickupLng: input.pickup.lng,
        dropoffAddress: input.dropoff.address,
        dropoffLat: input.dropoff.lat,
        dropoffLng: input.dropoff.lng,
        weightKg: input.weightKg,
        lengthCm: input.dimensions.lengthCm,
        widthCm: input.dimensions.widthCm,
        heightCm: input.dimensions.heightCm,
        distanceKm,
        rateCents: input.rateCents,
        notes: input.notes,
        status: "open",
        expiresAt: sql`DATE_ADD(${DB_NOW}, INTERVAL ${input.expiresInSeconds} SECOND)`,
      })
      .$returningId();
    if (!inserted) throw new Error("offer insert returned no id");
    const id = inserted.id;

    await tx.insert(offerRecipients).values(input.driverIds.map((driverId) => ({ offerId: id, driverId, status: "sent" as const })));

    const row = await selectOfferRow(tx, id);
    if (!row) throw new Error("offer vanished inside its own transaction");
    const offer = toOfferSummary(row);
    emit(offerEvent(id, { dispatcherId }, { type: "offer.created", offer, driverIds: input.driverIds }));
    for (const driverId of input.driverIds) emit(offerEvent(id, { driverId }, { type: "offer.received", offer }));
    return id;
  });
  const detail = await getOfferDetail(deps.db, { userId: dispatcherId, role: "dispatcher" }, offerId);
  if (!detail) throw new Error("a just-created offer could not be read back");
  return detail;
}
