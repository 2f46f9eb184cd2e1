import { z } from "zod";
import { offerStatuses } from "@convoy/db/schema";
import { centsSchema, idSchema, lastEventIdSchema, placeSchema } from "../lib/validation";

/** Most drivers one offer may go to; keeps one create to one bounded transaction. */
export const MAX_OFFER_RECIPIENTS = 1_000;
/** Shortest and longest time an offer stays open, in seconds (30 s to one day). */
export const OFFER_EXPIRY_SECONDS = { min: 30, max: 86_400 } as const;

const dimensionCm = (name: string) =>
  z.number().int(`${name} must be whole centimetres`).positive(`${name} must be positive`).max(2_500, `${name} must be at most 2,500 cm`);

/** What a dispatcher fills in to offer a load; the dispatcher app's form uses the same schema. */
export const createOfferInputSchema = z.object({
  driverIds: z
    .array(idSchema)
    .min(1, "choose at least one driver")
    .max(MAX_OFFER_RECIPIENTS, `an offer can go to at most ${MAX_OFFER_RECIPIENTS} drivers`)
    .refine((ids) => new Set(ids).size === ids.length, "driverIds must not repeat a driver"),
  pickup: placeSchema,
  dropoff: placeSchema,
  /** Kilograms. */
  weightKg: z.number().int("weightKg must be whole kilograms").positive("weightKg must be positive").max(50_000),
  dimensions: z.object({
    lengthCm: dimensionCm("lengthCm"),
    widthCm: dimensionCm("widthCm"),
    heightCm: dimensionCm("heightCm"),
  }),
  /** The offered rate in integer cents. */
  rateCents: centsSchema,
  notes: z.string().trim().max(2_000, "notes must be at most 2,000 characters").default(""),
  /** How long drivers have to answer, in seconds. */
  expiresInSeconds: z
    .number()
    .int()
    .min(OFFER_EXPIRY_SECONDS.min, `an offer must stay open at least ${OFFER_EXPIRY_SECONDS.min} seconds`)
    .max(OFFER_EXPIRY_SECONDS.max, `an offer can stay open at most ${OFFER_EXPIRY_SECONDS.max} seconds (one day)`),
  /**
   * A UUID the client makes once per "create" and sends again on every retry of it: a
   * create whose answer was lost then returns the offer it made instead of a second one.
   */
  idempotencyKey: z.uuid("idempotencyKey must be a UUID").optional(),
});
export type CreateOfferInput = z.infer<typeof createOfferInputSchema>;

/** Newest first, paged by offer id. */
export const listOffersInputSchema = z
  .object({
    status: z.array(z.enum(offerStatuses)).min(1).max(offerStatuses.length).optional(),
    /** The `nextCursor` of the previous page. */
    cursor: idSchema.nullish(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .default({ limit: 20 });
export type ListOffersInput = z.infer<typeof listOffersInputSchema>;

export const offerIdInputSchema = z.object({ offerId: idSchema });

/** A driver's answer. A counter may be sent again to revise it while the offer is open. */
export const respondInputSchema = z.discriminatedUnion("action", [
  z.object({ offerId: idSchema, action: z.literal("accept") }),
  z.object({ offerId: idSchema, action: z.literal("reject") }),
  z.object({ offerId: idSchema, action: z.literal("counter"), counterRateCents: centsSchema }),
]);
export type RespondInput = z.infer<typeof respondInputSchema>;

/**
 * The dispatcher agrees to one driver's counter. `counterRateCents` is the rate the
 * dispatcher saw: if the driver has revised it since, the accept is refused rather than
 * agreeing to a number nobody looked at.
 */
export const acceptCounterInputSchema = z.object({
  offerId: idSchema,
  driverId: idSchema,
  counterRateCents: centsSchema,
});
export type AcceptCounterInput = z.infer<typeof acceptCounterInputSchema>;

/** `offers.events`: resume after `lastEventId`, optionally only one offer's events. */
export const offerEventsInputSchema = z.object({ lastEventId: lastEventIdSchema, offerId: idSchema.optional() }).default({});
