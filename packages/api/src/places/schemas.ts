import { z } from "zod";
import { idSchema, lastEventIdSchema, pointSchema } from "../lib/validation";
import { extentM, firstSelfIntersection, polygonAreaM2 } from "./geometry";

/** Bounds on what a place may be; the dispatcher app's Places page checks the same. */
export const PLACE_LIMITS = {
  /** A circle's radius, whole metres: GPS is rarely better than 10 m, and a place is a site, not a city. */
  minRadiusM: 20,
  maxRadiusM: 10_000,
  /** A polygon's vertices. */
  minVertices: 3,
  maxVertices: 64,
  /** Widest a polygon may be, east–west or north–south, metres. */
  maxExtentM: 20_000,
  /** Smallest polygon area, m² (a 10 m × 10 m yard). */
  minAreaM2: 100,
  /** Dwell time a place may set, seconds. */
  minDwellSeconds: 10,
  maxDwellSeconds: 86_400,
  /** Places saved at once, all dispatchers together. */
  maxPlaces: 500,
  nameLength: 80,
} as const;

const polygonSchema = z
  .object({
    kind: z.literal("polygon"),
    vertices: z
      .array(pointSchema)
      .min(PLACE_LIMITS.minVertices, `a polygon needs at least ${PLACE_LIMITS.minVertices} vertices`)
      .max(PLACE_LIMITS.maxVertices, `a polygon may have at most ${PLACE_LIMITS.maxVertices} vertices`),
  })
  .superRefine(({ vertices }, context) => {
    const issue = (message: string) => context.addIssue({ code: "custom", message, path: ["vertices"] });
    for (let i = 0; i < vertices.length; i++) {
      const next = vertices[(i + 1) % vertices.length]!;
      if (vertices[i]!.lat === next.lat && vertices[i]!.lng === next.lng) {
        issue(`vertices ${i + 1} and ${((i + 1) % vertices.length) + 1} are the same point; list each corner once (the ring closes by itself)`);
        return;
      }
    }
    if (extentM(vertices) > PLACE_LIMITS.maxExtentM) {
      issue(`a polygon may be at most ${PLACE_LIMITS.maxExtentM / 1_000} km across`);
      return;
    }
    const crossing = firstSelfIntersection(vertices);
    if (crossing) {
      issue(`the polygon's edges cross (edge ${crossing[0] + 1} and edge ${crossing[1] + 1}); draw the corners in order around the place`);
      return;
    }
    if (polygonAreaM2(vertices) < PLACE_LIMITS.minAreaM2) issue(`a polygon must cover at least ${PLACE_LIMITS.minAreaM2} m²`);
  });

const circleSchema = z.object({
  kind: z.literal("circle"),
  center: pointSchema,
  radiusM: z
    .number()
    .int("radiusM must be whole metres")
    .min(PLACE_LIMITS.minRadiusM, `radiusM must be at least ${PLACE_LIMITS.minRadiusM} m`)
    .max(PLACE_LIMITS.maxRadiusM, `radiusM must be at most ${PLACE_LIMITS.maxRadiusM} m`),
});

/** A circle (centre, radius) or a simple polygon (its corners in order). */
export const placeGeometrySchema = z.discriminatedUnion("kind", [circleSchema, polygonSchema], {
  error: 'geometry.kind must be "circle" or "polygon"',
});

const nameSchema = z
  .string()
  .trim()
  .min(1, "name is required")
  .max(PLACE_LIMITS.nameLength, `name must be at most ${PLACE_LIMITS.nameLength} characters`);

/** Seconds inside after which a driver dwells; null or absent: the server's default. */
const dwellSecondsSchema = z
  .number()
  .int("dwellSeconds must be whole seconds")
  .min(PLACE_LIMITS.minDwellSeconds, `dwellSeconds must be at least ${PLACE_LIMITS.minDwellSeconds}`)
  .max(PLACE_LIMITS.maxDwellSeconds, `dwellSeconds must be at most ${PLACE_LIMITS.maxDwellSeconds} (a day)`)
  .nullable();

export const createPlaceInputSchema = z.object({
  name: nameSchema,
  geometry: placeGeometrySchema,
  dwellSeconds: dwellSecondsSchema.optional(),
});
export type CreatePlaceInput = z.infer<typeof createPlaceInputSchema>;

/** Changes what is given; `version` is the one the dispatcher saw, so a stale edit is CONFLICT. */
export const updatePlaceInputSchema = z.object({
  placeId: idSchema,
  version: z.number().int().positive(),
  name: nameSchema.optional(),
  geometry: placeGeometrySchema.optional(),
  dwellSeconds: dwellSecondsSchema.optional(),
});
export type UpdatePlaceInput = z.infer<typeof updatePlaceInputSchema>;

export const placeIdInputSchema = z.object({ placeId: idSchema });

/** `places.events`: resumable from the last event id seen. */
export const placeEventsInputSchema = z.object({
  lastEventId: lastEventIdSchema,
});
