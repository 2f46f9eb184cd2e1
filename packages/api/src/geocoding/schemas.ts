import { z } from "zod";
import { pointSchema } from "../lib/validation";

/** Bounds on an address search; the apps' search boxes use the same. */
export const GEOCODE_LIMITS = {
  minQueryLength: 3,
  maxQueryLength: 200,
  maxResults: 10,
  defaultResults: 5,
} as const;

/** `geocode.search`: free text, how many answers, and optionally a point to prefer answers near. */
export const geocodeSearchInputSchema = z.object({
  query: z
    .string()
    .trim()
    .min(GEOCODE_LIMITS.minQueryLength, `type at least ${GEOCODE_LIMITS.minQueryLength} characters to search`)
    .max(GEOCODE_LIMITS.maxQueryLength, `query must be at most ${GEOCODE_LIMITS.maxQueryLength} characters`),
  limit: z
    .number()
    .int("limit must be a whole number")
    .min(1, "limit must be at least 1")
    .max(GEOCODE_LIMITS.maxResults, `limit must be at most ${GEOCODE_LIMITS.maxResults}`)
    .default(GEOCODE_LIMITS.defaultResults),
  near: pointSchema.optional(),
});
export type GeocodeSearchInput = z.input<typeof geocodeSearchInputSchema>;
