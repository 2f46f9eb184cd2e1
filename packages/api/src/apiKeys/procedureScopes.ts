import { TRPCError } from "@trpc/server";
import type { ApiKeyScope } from "@convoy/db";

/**
 * The scope each procedure needs when called with an API key; `"any"` for what every key
 * may call. A procedure missing here is refused to every key: signing in and out, password
 * changes, managing keys, and the driver's and rider's own procedures, which a dispatcher's
 * key could not call anyway. `procedureScopes.test.ts` holds every procedure of the router
 * to one side or the other, so a new procedure must be placed.
 */
export const PROCEDURE_SCOPES: Readonly<Record<string, ApiKeyScope | "any">> = {
  "auth.me": "any",
  "drivers.list": "drivers:read",
  "drivers.byId": "drivers:read",
  "presence.online": "drivers:read",
  "presence.events": "drivers:read",
  "offers.list": "offers:read",
  "offers.byId": "offers:read",
  "offers.events": "offers:read",
  "routes.offer": "offers:read",
  "offers.create": "offers:write",
  "offers.acceptCounter": "offers:write",
  "offers.cancel": "offers:write",
  "trips.byId": "trips:read",
  "trips.list": "trips:read",
  "trips.history": "trips:read",
  "trips.events": "trips:read",
  "routes.trip": "trips:read",
  "trips.cancel": "trips:write",
  "trips.reassign": "trips:write",
  "trips.setArrivalRadius": "trips:write",
  "trips.setArrivalPlace": "trips:write",
  "trackingLinks.list": "trips:read",
  "proofs.forTrip": "trips:read",
  "proofs.waive": "trips:write",
  "trackingLinks.create": "trips:write",
  "trackingLinks.revoke": "trips:write",
  "tracking.fleet": "tracking:read",
  "tracking.onFleet": "tracking:read",
  "tracking.onTrip": "tracking:read",
  "tracking.history": "tracking:read",
  "chat.threads": "chat:read",
  "chat.history": "chat:read",
  "chat.unreadCount": "chat:read",
  "chat.events": "chat:read",
  "chat.send": "chat:write",
  "chat.markRead": "chat:write",
  "chat.typing": "chat:write",
  "places.list": "places:read",
  "places.events": "places:read",
  "places.create": "places:write",
  "places.update": "places:write",
  "places.delete": "places:write",
};

/**
 * Procedures no key may call, by design; with `PROCEDURE_SCOPES` they cover the router.
 * Public procedures (`auth.login`, `auth.refresh`, `trackingLinks.watch`) run without a
 * caller and are listed for completeness.
 */
export const KEY_REFUSED_PROCEDURES: readonly string[] = [
  "auth.login",
  "auth.refresh",
  "trackingLinks.watch",
  "auth.logout",
  "auth.logoutEverywhere",
  "auth.changePassword",
  "apiKeys.create",
  "apiKeys.list",
  "apiKeys.revoke",
  "drivers.setAvailability",
  "offers.markViewed",
  "offers.respond",
  "tracking.report",
  "trips.request",
  "trips.updateStatus",
  "trips.rate",
  "proofs.submit",
  // Push subscriptions belong to a person's signed-in session, which a key has not.
  "push.publicKey",
  "push.subscribe",
  "push.unsubscribe",
  // Address search is for the apps' forms, on the caller's own search budget.
  "geocode.status",
  "geocode.search",
];

/** FORBIDDEN unless a key with `scopes` may call `path`; the message names the scope to add. */
export function requireKeyScope(scopes: ReadonlySet<ApiKeyScope>, path: string): void {
  const needed = PROCEDURE_SCOPES[path];
  if (needed === "any" || (needed !== undefined && scopes.has(needed))) return;
  throw new TRPCError({
    code: "FORBIDDEN",
    message: needed
      ? `This API key lacks the "${needed}" scope that ${path} needs; create a key with it`
      : `${path} cannot be called with an API key; sign in as the dispatcher instead`,
  });
}
