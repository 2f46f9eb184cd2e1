import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { apiKeysRouter } from "./routers/apiKeys";
import { authRouter } from "./routers/auth";
import { chatRouter } from "./routers/chat";
import { driversRouter } from "./routers/drivers";
import { geocodeRouter } from "./routers/geocode";
import { offersRouter } from "./routers/offers";
import { placesRouter } from "./routers/places";
import { presenceRouter } from "./routers/presence";
import { proofsRouter } from "./routers/proofs";
import { pushRouter } from "./routers/push";
import { routesRouter } from "./routers/routes";
import { trackingRouter } from "./routers/tracking";
import { trackingLinksRouter } from "./routers/trackingLinks";
import { tripsRouter } from "./routers/trips";
import { createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  auth: authRouter,
  drivers: driversRouter,
  chat: chatRouter,
  offers: offersRouter,
  trips: tripsRouter,
  tracking: trackingRouter,
  trackingLinks: trackingLinksRouter,
  presence: presenceRouter,
  routes: routesRouter,
  places: placesRouter,
  geocode: geocodeRouter,
  proofs: proofsRouter,
  push: pushRouter,
  apiKeys: apiKeysRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
