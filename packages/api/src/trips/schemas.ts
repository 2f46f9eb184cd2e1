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

/** The driver's next step; the system's own moves (assigned, cancelled) are not among them. */
export const updateTripStatusInputSchema = z.object({
  tripId: idSchema,
  status: z.enum(DRIVER_STATUSES, { error: `status must be one of ${DRIVER_STATUSES.join(", ")}` }),
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
