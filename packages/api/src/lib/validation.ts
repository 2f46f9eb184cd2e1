import { z } from "zod";

/** Shared input pieces: the forms in the apps use the same schemas. */
export const idSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const latitudeSchema = z.number().min(-90, "latitude must be ≥ -90").max(90, "latitude must be ≤ 90");
export const longitudeSchema = z.number().min(-180, "longitude must be ≥ -180").max(180, "longitude must be ≤ 180");
export const pointSchema = z.object({ lat: latitudeSchema, lng: longitudeSchema });
export const placeSchema = pointSchema.extend({
  address: z.string().trim().min(1, "address is required").max(255),
});
/** Money in integer cents: up to $1,000,000. */
export const centsSchema = z.number().int().positive("rate must be positive").max(100_000_000);
/**
 * The `lastEventId` tRPC sends back on reconnect. A string of digits; anything else is refused
 * before it reaches SQL.
 */
export const lastEventIdSchema = z
  .string()
  .regex(/^\d{1,15}$/, "lastEventId must be a non-negative integer")
  .nullish();
