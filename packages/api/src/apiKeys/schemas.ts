import { z } from "zod";
import { apiKeyScopes, type ApiKeyScope } from "@convoy/db/schema";
import { idSchema } from "../lib/validation";

/** Longest key name, in characters. */
export const API_KEY_NAME_MAX = 80;
/** Longest lifetime a key may be given, in days. */
export const API_KEY_MAX_DAYS = 3_650;
/** Keys a dispatcher may hold unrevoked at once. */
export const MAX_ACTIVE_API_KEYS = 50;

/** What each scope lets a key do, for the dispatcher's form and the README. */
export const API_KEY_SCOPE_LABELS: Record<ApiKeyScope, string> = {
  "offers:read": "Read offers and follow offers.events",
  "offers:write": "Create, cancel and settle offers",
  "trips:read": "Read trips and their tracking links, and follow trips.events",
  "trips:write": "Cancel, reassign and set arrival radii of trips; make and revoke tracking links",
  "tracking:read": "Read the fleet, drivers' histories and follow positions",
  "drivers:read": "Read drivers and who is online",
  "chat:read": "Read chat threads and follow chat.events",
  "chat:write": "Send chat messages and mark them read",
  "places:read": "Read places and follow places.events",
  "places:write": "Create, change and delete places",
};

export const createApiKeyInputSchema = z.object({
  name: z.string().trim().min(1, "name is required").max(API_KEY_NAME_MAX, `name must be at most ${API_KEY_NAME_MAX} characters`),
  scopes: z
    .array(z.enum(apiKeyScopes, { error: `each scope must be one of ${apiKeyScopes.join(", ")}` }))
    .min(1, "give the key at least one scope")
    .max(apiKeyScopes.length, `at most ${apiKeyScopes.length} scopes`)
    .refine((scopes) => new Set(scopes).size === scopes.length, "each scope may be listed once"),
  /** Days until the key stops working; omitted, it works until revoked. */
  expiresInDays: z
    .number()
    .int("expiresInDays must be a whole number of days")
    .min(1, "expiresInDays must be at least 1")
    .max(API_KEY_MAX_DAYS, `expiresInDays must be at most ${API_KEY_MAX_DAYS}`)
    .optional(),
});
export type CreateApiKeyInput = z.infer<typeof createApiKeyInputSchema>;

export const apiKeyIdInputSchema = z.object({ keyId: idSchema });
