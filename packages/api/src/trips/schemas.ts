import { z } from "zod";
import { rideVehicleClasses, tripStatuses } from "@convoy/db/schema";
import { idSchema, lastEventIdSchema, placeSchema } from "../lib/validation";
import { DRIVER_STATUSES } from "./statusMachine";

/** What a rider asks for; the rider app's form uses the same schema. */
export const requestTripInputSchema = z
  .object({
    pickup: placeSchema,
    dropoff: placeSchema,
    /** Only drivers of this vehicle class are offered the ride; omitted, any passenger vehicle (car, suv, van). */
    vehicleClass: z.enum(rideVehicleClasses, { error: `vehicleClass must be one of ${rideVehicleClasses.join(", ")}` }).optional(),
  })
  .refine(({ pickup, dropoff }) => pickup.lat !== dropoff.lat || pickup.lng !== dropoff.lng, {
    error: "pickup and dropoff must be different places",
    path: ["dropoff"],
  });
export type RequestTripInput = z.infer<typeof requestTripInputSchema>;

export const tripIdInputSchema = z.object({ tripId: idSchema });

/** A person's reason for an exception (an override, a reassignment): 1–255 characters of text. */
const reasonSchema = (what: string) => z.string().trim().min(1, `say why ${what}`).max(255, "reason must be at most 255 characters");

/**
 * The driver's next step; the system's own moves (assigned, cancelled) are not among them.
 * `overrideReason` lets an arrival or completion through when the driver is away from the
 * pickup or dropoff; the dispatcher sees it.
 */
export const updateTripStatusInputSchema = z.object({
  tripId: idSchema,
  status: z.enum(DRIVER_STATUSES, { error: `status must be one of ${DRIVER_STATUSES.join(", ")}` }),
  overrideReason: reasonSchema("you are making this move away from the place").optional(),
  /**
   * The phone's key for this one move (a UUID made once per tap), so a move queued offline
   * and sent again is made once: a repeat gets the trip back and changes nothing.
   */
  idempotencyKey: z.uuid("idempotencyKey must be a UUID").optional(),
});
export type UpdateTripStatusInput = z.infer<typeof updateTripStatusInputSchema>;

export const cancelTripInputSchema = z.object({
  tripId: idSchema,
  /** Shown to the other party; 1–255 characters. */
  reason: z.string().trim().min(1, "say why the trip is cancelled").max(255, "reason must be at most 255 characters"),
});
export type CancelTripInput = z.infer<typeof cancelTripInputSchema>;

export const rateTripInputSchema = z.object({
  tripId: idSchema,
  /** Whole stars, 1–5. */
  rating: z.number().int("rating must be whole stars").min(1, "rating must be 1–5 stars").max(5, "rating must be 1–5 stars"),
  comment: z.string().trim().max(1_000, "comment must be at most 1,000 characters").optional(),
});
export type RateTripInput = z.infer<typeof rateTripInputSchema>;

/**
 * A dispatcher hands a trip to another driver. `currentDriverId` is the driver the
 * dispatcher saw on the trip: if someone else has it by now, the reassignment is refused.
 */
export const reassignTripInputSchema = z.object({
  tripId: idSchema,
  driverId: idSchema,
  currentDriverId: idSchema,
  reason: reasonSchema("the trip changes driver").optional(),
});
export type ReassignTripInput = z.infer<typeof reassignTripInputSchema>;

/** Smallest and largest per-trip arrival radius, metres: GPS is rarely better than 10 m. */
export const ARRIVAL_RADIUS_RANGE_M = { min: 10, max: 5_000 } as const;

/** A dispatcher sets one trip's arrival radius, whole metres. */
export const setArrivalRadiusInputSchema = z.object({
  tripId: idSchema,
  radiusM: z
    .number()
    .int("radiusM must be whole metres")
    .min(ARRIVAL_RADIUS_RANGE_M.min, `radiusM must be at least ${ARRIVAL_RADIUS_RANGE_M.min} m`)
    .max(ARRIVAL_RADIUS_RANGE_M.max, `radiusM must be at most ${ARRIVAL_RADIUS_RANGE_M.max} m`),
});
export type SetArrivalRadiusInput = z.infer<typeof setArrivalRadiusInputSchema>;

/** Newest first, paged by trip id. */
export const listTripsInputSchema = z
  .object({
    status: z.array(z.enum(tripStatuses)).min(1).max(tripStatuses.length).optional(),
    /** The `nextCursor` of the previous page. */
    cursor: idSchema.nullish(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .default({ limit: 20 });
export type ListTripsInput = z.infer<typeof listTripsInputSchema>;

/** `trips.events`: resume after `lastEventId`, optionally only one trip's events. */
export const tripEventsInputSchema = z.object({ lastEventId: lastEventIdSchema, tripId: idSchema.optional() }).default({});

/**
 * A dispatcher links saved places to a trip's ends: the driver must then be inside the place
 * to arrive (pickup) or complete (dropoff). Null unlinks (the radius applies again); an
 * absent end stays as it is.
 */
export const setArrivalPlaceInputSchema = z
  .object({
    tripId: idSchema,
    pickupPlaceId: idSchema.nullable().optional(),
    dropoffPlaceId: idSchema.nullable().optional(),
  })
  .refine((input) => input.pickupPlaceId !== undefined || input.dropoffPlaceId !== undefined, {
    error: "give pickupPlaceId or dropoffPlaceId (a place id, or null to use the radius again)",
  });
export type SetArrivalPlaceInput = z.infer<typeof setArrivalPlaceInputSchema>;
