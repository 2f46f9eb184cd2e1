import { z } from "zod";
import { availabilities, vehicleTypes } from "@convoy/db";
import { getDriverDetails, listDrivers } from "../drivers/queries";
import { setAvailability } from "../drivers/availability";
import { notFound } from "../lib/errors";
import { idSchema, pointSchema } from "../lib/validation";
import { authedProcedure, createTRPCRouter, dispatcherProcedure, driverProcedure } from "../trpc";
import { TRPCError } from "@trpc/server";

export const driverListInputSchema = z
  .object({
    availability: z.array(z.enum(availabilities)).max(3).optional(),
    near: pointSchema.extend({ radiusKm: z.number().positive().max(500) }).optional(),
    distanceFrom: pointSchema.optional(),
    /** Part of a name, email, phone or vehicle type; matched in any case. */
    search: z.string().trim().max(100, "search must be at most 100 characters").optional(),
    vehicleTypes: z.array(z.enum(vehicleTypes)).max(vehicleTypes.length).optional(),
    /** true: only drivers online now; false: only those offline. */
    online: z.boolean().optional(),
    limit: z.number().int().min(1).max(500).default(200),
  })
  .default({ limit: 200 });

export const driversRouter = createTRPCRouter({
  /**
   * Dispatchers only: drivers' positions and phones are not for other drivers or riders.
   * Each row says whether the driver is online and which trip they are on; the dispatcher's
   * table keeps those live from `presence.events`, `tracking.onFleet` and `trips.events`.
   */
  list: dispatcherProcedure.input(driverListInputSchema).query(({ ctx, input }) => listDrivers(ctx.services, input)),

  /** A dispatcher may look up any driver; a driver only themself (anyone else is NOT_FOUND). */
  byId: authedProcedure.input(z.object({ driverId: idSchema })).query(async ({ ctx, input }) => {
    if (ctx.user.role === "rider") throw new TRPCError({ code: "FORBIDDEN", message: "Only dispatchers can look up drivers" });
    const mayLook = ctx.user.role === "dispatcher" || ctx.user.id === input.driverId;
    const details = mayLook ? await getDriverDetails(ctx.services, input.driverId) : null;
    if (!details) throw notFound("Driver");
    return details;
  }),

  setAvailability: driverProcedure.input(z.object({ availability: z.enum(availabilities) })).mutation(async ({ ctx, input }) => {
    const availability = await setAvailability(ctx.services, ctx.user.id, input.availability);
    return { availability };
  }),
});
