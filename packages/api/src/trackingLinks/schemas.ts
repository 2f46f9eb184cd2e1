import { z } from "zod";
import { idSchema } from "../lib/validation";

/** The longest lifetime any server allows a link, in minutes (7 days); a server may allow less. */
export const MAX_TRACKING_LINK_MINUTES = 7 * 24 * 60;

/** `trackingLinks.create`: a link to one trip, optionally named for whom it is and with its own lifetime. */
export const createTrackingLinkInputSchema = z.object({
  tripId: idSchema,
  /** Who the link is for, shown in the list only (never on the public page); 1–80 characters. */
  label: z.string().trim().min(1, "label must not be empty; leave it out instead").max(80, "label must be at most 80 characters").optional(),
  /** Whole minutes until the link stops working; omitted, the server's default (24 h unless configured). */
  expiresInMinutes: z
    .number()
    .int("expiresInMinutes must be whole minutes")
    .min(1, "expiresInMinutes must be at least 1")
    .max(MAX_TRACKING_LINK_MINUTES, `expiresInMinutes must be at most ${MAX_TRACKING_LINK_MINUTES} (7 days)`)
    .optional(),
});
export type CreateTrackingLinkInput = z.infer<typeof createTrackingLinkInputSchema>;

export const trackingLinkIdInputSchema = z.object({ linkId: idSchema });

/**
 * `trackingLinks.watch`: the token from the link. Only its length is checked here; any other
 * string is refused exactly like an expired or revoked link, so the answer tells a prober nothing.
 */
export const watchTrackingLinkInputSchema = z.object({
  token: z.string().min(1, "token is required").max(128, "token must be at most 128 characters"),
});
