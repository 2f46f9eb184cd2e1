import { z } from "zod";
import { availabilities } from "@convoy/db";
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
    limit: z.number().int().min(1).max(500).default(200),
  })
  .default({ limit: 200 });

export const driversRouter = createTRPCRouter({
  /** Dispatchers only: drivers' positions and phones are not for other drivers or riders. */
  list: dispatcherProcedure.input(driverListInputSchema).query(({ ctx, input }) => listDrivers(ctx.services.db, input)),

  /** A dispatcher may look up any driver; a driver only themself (anyone else is NOT_FOUND). */
  byId: authedProcedure.input(z.object({ driverId: idSchema })).query(async ({ ctx, input }) => {
    if (ctx.user.role === "rider") throw new TRPCError({ code: "FORBIDDEN", message: "Only dispatchers can look up drivers" });
    const mayLook = ctx.user.role === "dispatcher" || ctx.user.id === input.driverId;
    const details = mayLook ? await getDriverDetails(ctx.services.db, input.driverId) : null;
    if (!details) throw notFound("Driver");
    return details;
  }),

  setAvailability: driverProcedure.input(z.object({ availability: z.enum(availabilities) })).mutation(async ({ ctx, input }) => {
    const availability = await setAvailability(ctx.services, ctx.user.id, input.availability);
    return { availability };
  }),
});
