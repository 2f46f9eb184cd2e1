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

/** One validation problem, as an error response lists it: `path` is dotted, "" for the whole input. */
export interface ReadableIssue {
  path: string;
  message: string;
}

/** The issues of a zod error (or anything carrying `issues`), or null if `cause` has none. */
export function readableIssues(cause: unknown): ReadableIssue[] | null {
  if (!cause || typeof cause !== "object" || !("issues" in cause) || !Array.isArray(cause.issues)) return null;
  return (cause.issues as { path?: PropertyKey[]; message?: string }[]).map((issue) => ({
    path: (issue.path ?? []).map(String).join("."),
    message: issue.message ?? "is invalid",
  }));
}

/** "Invalid input: points.0.lat: expected number; …", the one sentence every transport sends. */
export function describeIssues(issues: readonly ReadableIssue[]): string {
  return `Invalid input: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ")}`;
}
