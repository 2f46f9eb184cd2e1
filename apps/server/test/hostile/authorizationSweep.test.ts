import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { appRouter } from "@convoy/api/server";
import { eq, offers, places, sql } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "../support/harness";
import { createExtraUsers, loginExtra, loadInput } from "../support/fixtures";

const t = useTestServer({ rateLimits: { mutationPoints: 1_000_000, chatPoints: 1_000_000 } });

const TABLES = [
  "users",
  "offers",
  "offer_recipients",
  "messages",
  "chat_reads",
  "trips",
  "trip_history",
  "locations",
  "events",
  "tracking_links",
  "places",
  "place_visits",
  "proof_files",
  "delivery_proofs",
  "api_keys",
];
type Actor = "dispatcher" | "otherDispatcher" | "recipient" | "otherDriver" | "tripDriver" | "rider" | "otherRider";
const ACTORS: Actor[] = ["dispatcher", "otherDispatcher", "recipient", "otherDriver", "tripDriver", "rider", "otherRider"];
const DENIED = new Set(["FORBIDDEN", "NOT_FOUND"]);

const as = {} as Record<Actor, LoggedInClient>;
let offerId = 0;
let messageId = 0;
let tripId = 0;
let linkId = 0;
let placeId = 0;
/** Places only the dispatchers' own `places.delete` calls remove, one each. */
const spareFor = new Map<LoggedInClient, number>();
let keyId = 0;

/**
 * The stored state a refused call must not touch. Buffered location writes are flushed
 * first; drivers' last position and last-seen are left out because the allowed callers of
 * earlier rows legitimately update them on a timer.
 */
async function checksum(): Promise<string> {
  await t.server.services.tracking.flushLocations();
  const [tables] = (await t.db.execute(sql.raw(`CHECKSUM TABLE ${TABLES.join(", ")}`))) as unknown as [unknown[]];
  const [driverRows] = (await t.db.execute(sql`SELECT user_id, availability, rating_sum, rating_count FROM drivers ORDER BY user_id`)) as unknown as [
    unknown[],
  ];
  return JSON.stringify([tables, driverRows]);
}

async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "OK";
  } catch (error) {
    if (error instanceof TRPCClientError) return (error as TRPCClientError<AppRouter>).data?.code ?? "UNKNOWN";
    throw error;
  }
}

/** Resolves with the first error code a subscription gets, or "OK" if it yields data first. */
function subscriptionOutcome(subscribe: (handlers: { onData: () => void; onError: (error: unknown) => void }) => { unsubscribe: () => void }) {
  return new Promise<string>((resolve) => {
    let subscription: { unsubscribe: () => void } | null = null;
    const finish = (value: string) => {
      subscription?.unsubscribe();
      resolve(value);
    };
    const timer = setTimeout(() => finish("SILENT"), 3_000);
    subscription = subscribe({
      onData: () => (clearTimeout(timer), finish("OK")),
      onError: (error) => {
        clearTimeout(timer);
        finish(error instanceof TRPCClientError ? ((error as TRPCClientError<AppRouter>).data?.code ?? "UNKNOWN") : "UNKNOWN");
      },
    });
  });
}

interface Row {
  /** Who may call it; everyone else must get FORBIDDEN or NOT_FOUND and change nothing. */
  allowed: Actor[];
  call: (client: LoggedInClient) => Promise<unknown>;
}

/** Every query and mutation, with the actors allowed to call it on the fixture rows. */
const rows: Record<string, Row> = {
  "auth.login": {
    allowed: [...ACTORS],
    call: (c) =>
      c.api.auth.login.mutate({ email: "nobody@convoy.test", password: "x" }).catch((e: unknown) => {
        if ((e as TRPCClientError<AppRouter>).data?.code !== "UNAUTHORIZED") throw e;
      }),
  },
  "auth.me": { allowed: [...ACTORS], call: (c) => c.api.auth.me.query() },
  "auth.refresh": {
    allowed: [...ACTORS],
    call: (c) =>
      c.api.auth.refresh.mutate({ refreshToken: "x".repeat(43) }).catch((e: unknown) => {
        if ((e as TRPCClientError<AppRouter>).data?.code !== "UNAUTHORIZED") throw e;
      }),
  },
  "drivers.list": { allowed: ["dispatcher", "otherDispatcher"], call: (c) => c.api.drivers.list.query({}) },
  "drivers.byId": {
    allowed: ["dispatcher", "otherDispatcher", "recipient"],
    call: (c) => c.api.drivers.byId.query({ driverId: as.recipient.userId }),
  },
  "drivers.setAvailability": {
    allowed: ["recipient", "otherDriver", "tripDriver"],
    call: (c) => c.api.drivers.setAvailability.mutate({ availability: "available" }),
  },
  "offers.create": { allowed: ["dispatcher", "otherDispatcher"], call: (c) => c.api.offers.create.mutate(loadInput([as.recipient.userId])) },
  "offers.list": { allowed: ["dispatcher", "otherDispatcher", "recipient", "otherDriver", "tripDriver"], call: (c) => c.api.offers.list.query({}) },
  "offers.byId": { allowed: ["dispatcher", "recipient"], call: (c) => c.api.offers.byId.query({ offerId }) },
  "offers.markViewed": { allowed: ["recipient"], call: (c) => c.api.offers.markViewed.mutate({ offerId }) },
  "offers.respond": { allowed: ["recipient"], call: (c) => c.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 99_000 }) },
  "offers.acceptCounter": {
    allowed: ["dispatcher"],
    call: (c) => c.api.offers.acceptCounter.mutate({ offerId, driverId: as.recipient.userId, counterRateCents: 1 }),
  },
  "offers.cancel": { allowed: ["dispatcher"], call: (c) => c.api.offers.cancel.mutate({ offerId }) },
  "chat.threads": { allowed: ["dispatcher"], call: (c) => c.api.chat.threads.query({ offerId }) },
  "chat.history": { allowed: ["dispatcher", "recipient"], call: (c) => c.api.chat.history.query({ offerId, driverId: as.recipient.userId }) },
  "chat.send": {
    allowed: ["dispatcher", "recipient"],
    call: (c) => c.api.chat.send.mutate({ offerId, driverId: as.recipient.userId, body: "hi", clientMessageId: randomUUID() }),
  },
  "chat.markRead": {
    allowed: ["dispatcher", "recipient"],
    call: (c) => c.api.chat.markRead.mutate({ offerId, driverId: as.recipient.userId, messageId }),
  },
  "chat.typing": {
    allowed: ["dispatcher", "recipient"],
    call: (c) => c.api.chat.typing.mutate({ offerId, driverId: as.recipient.userId, typing: true }),
  },
  "chat.unreadCount": {
    allowed: ["dispatcher", "otherDispatcher", "recipient", "otherDriver", "tripDriver"],
    call: (c) => c.api.chat.unreadCount.query(),
  },
  "tracking.report": {
    allowed: ["recipient", "otherDriver", "tripDriver"],
    call: (c) => c.api.tracking.report.mutate({ points: [{ lat: 41.9, lng: -87.6, recordedAt: Date.now() }] }),
  },
  "tracking.fleet": { allowed: ["dispatcher", "otherDispatcher"], call: (c) => c.api.tracking.fleet.query() },
  "tracking.history": {
    allowed: ["dispatcher", "otherDispatcher"],
    call: (c) => c.api.tracking.history.query({ driverId: as.recipient.userId, from: Date.now() - 60_000, to: Date.now() }),
  },
  "presence.online": { allowed: ["dispatcher", "otherDispatcher"], call: (c) => c.api.presence.online.query() },
  "routes.offer": { allowed: ["dispatcher", "recipient"], call: (c) => c.api.routes.offer.query({ offerId }) },
  "routes.trip": { allowed: ["dispatcher", "otherDispatcher", "tripDriver", "rider"], call: (c) => c.api.routes.trip.query({ tripId }) },
  "push.publicKey": {
    allowed: ["dispatcher", "otherDispatcher", "recipient", "otherDriver", "tripDriver"],
    call: (c) => c.api.push.publicKey.query(),
  },
  // This server has no VAPID keys: an allowed caller is told so (PRECONDITION_FAILED), a rider is refused.
  "push.subscribe": {
    allowed: ["dispatcher", "otherDispatcher", "recipient", "otherDriver", "tripDriver"],
    call: (c) =>
      c.api.push.subscribe.mutate({ endpoint: "https://push.example.com/sweep", keys: { p256dh: `B${"A".repeat(86)}`, auth: "A".repeat(22) } }),
  },
  "push.unsubscribe": {
    allowed: ["dispatcher", "otherDispatcher", "recipient", "otherDriver", "tripDriver"],
    call: (c) => c.api.push.unsubscribe.mutate({ endpoint: "https://push.example.com/sweep" }),
  },
  "trips.request": {
    allowed: ["rider", "otherRider"],
    call: (c) =>
      c.api.trips.request.mutate({ pickup: { address: "Nowhere", lat: -45, lng: 170 }, dropoff: { address: "Elsewhere", lat: -45.1, lng: 170.1 } }),
  },
  "trips.byId": { allowed: ["dispatcher", "otherDispatcher", "tripDriver", "rider"], call: (c) => c.api.trips.byId.query({ tripId }) },
  "trips.list": { allowed: [...ACTORS], call: (c) => c.api.trips.list.query({}) },
  "trips.rate": { allowed: ["rider"], call: (c) => c.api.trips.rate.mutate({ tripId, rating: 5 }) },
  "trips.updateStatus": { allowed: ["tripDriver"], call: (c) => c.api.trips.updateStatus.mutate({ tripId, status: "en_route" }) },
  "trips.cancel": {
    allowed: ["dispatcher", "otherDispatcher", "rider"],
    call: (c) => c.api.trips.cancel.mutate({ tripId, reason: "authorization sweep" }),
  },
  "trips.history": { allowed: ["dispatcher", "otherDispatcher", "tripDriver", "rider"], call: (c) => c.api.trips.history.query({ tripId }) },
  "trips.reassign": {
    allowed: ["dispatcher", "otherDispatcher"],
    call: (c) => c.api.trips.reassign.mutate({ tripId, driverId: as.otherDriver.userId, currentDriverId: as.tripDriver.userId }),
  },
  "trackingLinks.create": {
    allowed: ["dispatcher", "otherDispatcher", "rider"],
    call: (c) => c.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 5 }),
  },
  "trackingLinks.list": { allowed: ["dispatcher", "otherDispatcher", "rider"], call: (c) => c.api.trackingLinks.list.query({ tripId }) },
  "trackingLinks.revoke": { allowed: ["dispatcher", "otherDispatcher", "rider"], call: (c) => c.api.trackingLinks.revoke.mutate({ linkId }) },
  "trips.setArrivalRadius": {
    allowed: ["dispatcher", "otherDispatcher"],
    call: (c) => c.api.trips.setArrivalRadius.mutate({ tripId, radiusM: 150 }),
  },
  "trips.setArrivalPlace": {
    allowed: ["dispatcher", "otherDispatcher"],
    call: (c) => c.api.trips.setArrivalPlace.mutate({ tripId, pickupPlaceId: placeId }),
  },
  "places.list": { allowed: ["dispatcher", "otherDispatcher"], call: (c) => c.api.places.list.query() },
  "places.create": {
    allowed: ["dispatcher", "otherDispatcher"],
    call: (c) => c.api.places.create.mutate({ name: "Swept", geometry: { kind: "circle", center: { lat: -45, lng: 170 }, radiusM: 100 } }),
  },
  "places.update": {
    allowed: ["dispatcher", "otherDispatcher"],
    call: async (c) => {
      const [row] = await t.db.select({ version: places.version }).from(places).where(eq(places.id, placeId));
      return c.api.places.update.mutate({ placeId, version: row!.version, name: "Swept again" });
    },
  },
  "places.delete": { allowed: ["dispatcher", "otherDispatcher"], call: (c) => c.api.places.delete.mutate({ placeId: spareFor.get(c) ?? placeId }) },
  // No geocoder in this server: PRECONDITION_FAILED for whoever asks, which is not a refusal.
  "geocode.status": { allowed: [...ACTORS], call: (c) => c.api.geocode.status.query() },
  "geocode.search": { allowed: [...ACTORS], call: (c) => c.api.geocode.search.query({ query: "Union Station" }) },
  // The fixture trip is a ride: any dispatcher's, and needing no proof (allowed callers get BAD_REQUEST saying so).
  "proofs.forTrip": { allowed: ["dispatcher", "otherDispatcher", "tripDriver", "rider"], call: (c) => c.api.proofs.forTrip.query({ tripId }) },
  "proofs.submit": {
    allowed: ["tripDriver"],
    call: (c) => c.api.proofs.submit.mutate({ tripId, recipientName: "Ann", photoFileId: 1, signatureFileId: 2 }),
  },
  "proofs.waive": { allowed: ["dispatcher", "otherDispatcher"], call: (c) => c.api.proofs.waive.mutate({ tripId, reason: "no one there" }) },
  "apiKeys.create": {
    allowed: ["dispatcher", "otherDispatcher"],
    call: (c) => c.api.apiKeys.create.mutate({ name: "authorization sweep", scopes: ["trips:read"] }),
  },
  "apiKeys.list": { allowed: ["dispatcher", "otherDispatcher"], call: (c) => c.api.apiKeys.list.query() },
  "apiKeys.revoke": { allowed: ["dispatcher"], call: (c) => c.api.apiKeys.revoke.mutate({ keyId }) },
};

beforeAll(async () => {
  as.dispatcher = await t.as("dispatcher");
  as.recipient = await t.as("driver", 1);
  as.otherDriver = await t.as("driver", 2);
  as.rider = await t.as("rider", 1);
  as.otherRider = await t.as("rider", 2);
  const [extra] = await createExtraUsers(t.db, "dispatcher", 1);
  as.otherDispatcher = await loginExtra(t, extra!.email);

  offerId = (await as.dispatcher.api.offers.create.mutate(loadInput([as.recipient.userId]))).id;
  keyId = (await as.dispatcher.api.apiKeys.create.mutate({ name: "fixture", scopes: ["trips:read"] })).id;
  messageId = (await as.recipient.api.chat.send.mutate({ offerId, body: "fixture", clientMessageId: randomUUID() })).id;

  // A ride for rider 1 from beside driver 3, the nearest driver, who alone is offered it and accepts.
  as.tripDriver = await t.as("driver", 3);
  const driverThree = await as.dispatcher.api.drivers.byId.query({ driverId: as.tripDriver.userId });
  const trip = await as.rider.api.trips.request.mutate({
    pickup: { address: "Near driver 3", lat: driverThree.position!.lat + 0.001, lng: driverThree.position!.lng },
    dropoff: { address: "Downtown", lat: 41.8781, lng: -87.6298 },
  });
  tripId = trip.id;
  const circle = { kind: "circle" as const, center: { lat: -45, lng: 170 }, radiusM: 100 };
  placeId = (await as.dispatcher.api.places.create.mutate({ name: "Sweep site", geometry: circle })).id;
  for (const client of [as.dispatcher, as.otherDispatcher]) {
    spareFor.set(client, (await as.dispatcher.api.places.create.mutate({ name: "Spare", geometry: circle })).id);
  }
  const [rideOffer] = await t.db.select().from(offers).where(eq(offers.tripId, tripId));
  await as.tripDriver.api.offers.respond.mutate({ offerId: rideOffer!.id, action: "accept" });
  linkId = (await as.rider.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 5 })).link.id;
});

describe("authorization sweep", () => {
  it("has a row for every query and mutation", () => {
    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
      // Those act only on the caller's own sessions and would end the sweep's own.
      .filter(
        ([path, procedure]) =>
          procedure._def.type !== "subscription" && !["auth.logout", "auth.logoutEverywhere", "auth.changePassword"].includes(path),
      )
      .map(([path]) => path)
      .sort();
    expect(Object.keys(rows).sort()).toEqual(procedures);
  });

  for (const [path, row] of Object.entries(rows)) {
    it(`${path}: only ${row.allowed.join(", ")}`, async () => {
      const denied = ACTORS.filter((actor) => !row.allowed.includes(actor));
      const before = await checksum();
      for (const actor of denied) {
        const code = await outcome(() => row.call(as[actor]));
        expect({ actor, code, denied: DENIED.has(code) }).toEqual({ actor, code, denied: true });
      }
      // Nothing a refused caller did reached the database.
      expect(await checksum()).toBe(before);
      for (const actor of row.allowed) {
        const code = await outcome(() => row.call(as[actor]));
        expect({ actor, code, denied: DENIED.has(code) || code === "UNAUTHORIZED" }).toEqual({ actor, code, denied: false });
      }
    });
  }

  it("lists leak nothing across users", async () => {
    const otherDriverOffers = await as.otherDriver.api.offers.list.query({});
    expect(JSON.stringify(otherDriverOffers)).not.toContain(`"id":${offerId},`);
    const otherDispatcherOffers = await as.otherDispatcher.api.offers.list.query({});
    expect(JSON.stringify(otherDispatcherOffers)).not.toContain(`"id":${offerId},`);
    const otherRiderTrips = await as.otherRider.api.trips.list.query({});
    expect(JSON.stringify(otherRiderTrips)).not.toContain(`"id":${tripId},`);
    const recipientView = await as.recipient.api.offers.byId.query({ offerId });
    expect(recipientView.recipients.every((r) => r.driverId === as.recipient.userId)).toBe(true);
  });

  it("refuses subscriptions outside a user's rights", async () => {
    const cases: [Actor, () => Promise<string>][] = [
      ["rider", () => subscriptionOutcome((h) => as.rider.api.offers.events.subscribe({}, h))],
      ["rider", () => subscriptionOutcome((h) => as.rider.api.chat.events.subscribe({}, h))],
      ["otherDriver", () => subscriptionOutcome((h) => as.otherDriver.api.chat.events.subscribe({ offerId, driverId: as.recipient.userId }, h))],
      ["otherDispatcher", () => subscriptionOutcome((h) => as.otherDispatcher.api.chat.events.subscribe({ offerId }, h))],
      ["recipient", () => subscriptionOutcome((h) => as.recipient.api.tracking.onFleet.subscribe(undefined, h))],
      ["rider", () => subscriptionOutcome((h) => as.rider.api.tracking.onFleet.subscribe(undefined, h))],
      ["recipient", () => subscriptionOutcome((h) => as.recipient.api.presence.events.subscribe(undefined, h))],
      ["otherRider", () => subscriptionOutcome((h) => as.otherRider.api.tracking.onTrip.subscribe({ tripId }, h))],
      ["tripDriver", () => subscriptionOutcome((h) => as.tripDriver.api.tracking.onTrip.subscribe({ tripId }, h))],
      ["otherRider", () => subscriptionOutcome((h) => as.otherRider.api.trips.events.subscribe({ tripId, lastEventId: "0" }, h))],
      ["otherRider", () => subscriptionOutcome((h) => as.otherRider.api.trackingLinks.watch.subscribe({ token: "x".repeat(43) }, h))],
      ["rider", () => subscriptionOutcome((h) => as.rider.api.places.events.subscribe({ lastEventId: "0" }, h))],
      ["tripDriver", () => subscriptionOutcome((h) => as.tripDriver.api.places.events.subscribe({ lastEventId: "0" }, h))],
    ];
    for (const [actor, run] of cases) {
      const code = await run();
      expect({ actor, code, refused: DENIED.has(code) || code === "SILENT" }).toEqual({ actor, code, refused: true });
    }
  });
});
