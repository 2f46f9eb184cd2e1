import {
  drivers,
  type OfferKind,
  offerRecipients,
  offers,
  type OfferStatus,
  type RecipientStatus,
  sql,
  trips,
  users,
  type VehicleType,
} from "@convoy/db";

/** Who is looking at an offer. Riders never reach the offers domain. */
export interface OfferViewer {
  userId: number;
  role: "dispatcher" | "driver";
}

export interface Place {
  address: string;
  lat: number;
  lng: number;
}

/** The parts of an offer that never change after it is created. Times are ISO strings. */
export interface OfferSummary {
  id: number;
  kind: OfferKind;
  dispatcher: { id: number; name: string };
  pickup: Place;
  dropoff: Place;
  weightKg: number;
  dimensions: { lengthCm: number; widthCm: number; heightCm: number };
  /** Great-circle pickup → dropoff distance, km. */
  distanceKm: number;
  /** The offered rate, integer cents. */
  rateCents: number;
  notes: string;
  expiresAt: string;
  createdAt: string;
}

export interface OfferView extends OfferSummary {
  status: OfferStatus;
  /** The winner. A driver sees it (and the agreed rate and trip) only when they won. */
  acceptedDriverId: number | null;
  agreedRateCents: number | null;
  tripId: number | null;
}

/** One driver's copy of an offer. A driver only ever sees their own. */
export interface RecipientView {
  driverId: number;
  driverName: string;
  vehicleType: VehicleType;
  status: RecipientStatus;
  /** The driver's counter, integer cents; stays set after a counter was accepted. */
  counterRateCents: number | null;
  viewedAt: string | null;
  respondedAt: string | null;
}

/** An offer with its recipients: all of them for the dispatcher, only their own row for a driver. */
export interface OfferDetail extends OfferView {
  recipients: RecipientView[];
}

export type RecipientCounts = Record<RecipientStatus, number> & { total: number };

export interface OfferListItem extends OfferView {
  /** Dispatcher: recipients per status. Null for drivers. */
  recipientCounts: RecipientCounts | null;
  /** Driver: their own row. Null for dispatchers. */
  me: RecipientView | null;
}

export interface OfferPage {
  items: OfferListItem[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: number | null;
}

/** Columns for `OfferView`; select from `offers` joined to the dispatcher and the trip. */
export const offerViewColumns = {
  id: offers.id,
  kind: offers.kind,
  createdBy: offers.createdBy,
  dispatcherName: users.name,
  pickupAddress: offers.pickupAddress,
  pickupLat: offers.pickupLat,
  pickupLng: offers.pickupLng,
  dropoffAddress: offers.dropoffAddress,
  dropoffLat: offers.dropoffLat,
  dropoffLng: offers.dropoffLng,
  weightKg: offers.weightKg,
  lengthCm: offers.lengthCm,
  widthCm: offers.widthCm,
  heightCm: offers.heightCm,
  distanceKm: offers.distanceKm,
  rateCents: offers.rateCents,
  notes: offers.notes,
  status: offers.status,
  expiresAt: offers.expiresAt,
  acceptedDriverId: offers.acceptedDriverId,
  agreedRateCents: offers.agreedRateCents,
  createdAt: offers.createdAt,
  // A load's trip points at the offer; a ride offer points at its trip.
  tripId: sql<number | null>`COALESCE(${trips.id}, ${offers.tripId})`.mapWith((value) => (value === null ? null : Number(value))),
};

export interface OfferViewRow {
  id: number;
  kind: OfferKind;
  createdBy: number;
  dispatcherName: string;
  pickupAddress: string;
  pickupLat: number;
  pickupLng: number;
  dropoffAddress: string;
  dropoffLat: number;
  dropoffLng: number;
  weightKg: number;
  lengthCm: number;
  widthCm: number;
  heightCm: number;
  distanceKm: number;
  rateCents: number;
  notes: string;
  status: OfferStatus;
  expiresAt: Date;
  acceptedDriverId: number | null;
  agreedRateCents: number | null;
  createdAt: Date;
  tripId: number | null;
}

/** Columns for `RecipientView`; select from `offer_recipients` joined to `users` and `drivers`. */
export const recipientViewColumns = {
  offerId: offerRecipients.offerId,
  driverId: offerRecipients.driverId,
  driverName: users.name,
  vehicleType: drivers.vehicleType,
  status: offerRecipients.status,
  counterRateCents: offerRecipients.counterRateCents,
  viewedAt: offerRecipients.viewedAt,
  respondedAt: offerRecipients.respondedAt,
};

export interface RecipientViewRow {
  offerId: number;
  driverId: number;
  driverName: string;
  vehicleType: VehicleType;
  status: RecipientStatus;
  counterRateCents: number | null;
  viewedAt: Date | null;
  respondedAt: Date | null;
}

export function toOfferSummary(row: OfferViewRow): OfferSummary {
  return {
    id: row.id,
    kind: row.kind,
    dispatcher: { id: row.createdBy, name: row.dispatcherName },
    pickup: { address: row.pickupAddress, lat: row.pickupLat, lng: row.pickupLng },
    dropoff: { address: row.dropoffAddress, lat: row.dropoffLat, lng: row.dropoffLng },
    weightKg: row.weightKg,
    dimensions: { lengthCm: row.lengthCm, widthCm: row.widthCm, heightCm: row.heightCm },
    distanceKm: row.distanceKm,
    rateCents: row.rateCents,
    notes: row.notes,
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
  };
}

/** The offer as `viewer` may see it: a driver who did not win sees no winner, rate or trip. */
export function toOfferView(row: OfferViewRow, viewer: OfferViewer): OfferView {
  const seesOutcome = viewer.role === "dispatcher" || row.acceptedDriverId === viewer.userId;
  return {
    ...toOfferSummary(row),
    status: row.status,
    acceptedDriverId: seesOutcome ? row.acceptedDriverId : null,
    agreedRateCents: seesOutcome ? row.agreedRateCents : null,
    tripId: seesOutcome ? row.tripId : null,
  };
}

export function toRecipientView(row: RecipientViewRow): RecipientView {
  return {
    driverId: row.driverId,
    driverName: row.driverName,
    vehicleType: row.vehicleType,
    status: row.status,
    counterRateCents: row.counterRateCents,
    viewedAt: row.viewedAt?.toISOString() ?? null,
    respondedAt: row.respondedAt?.toISOString() ?? null,
  };
}
