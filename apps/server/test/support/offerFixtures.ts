import { randomBytes } from "node:crypto";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter, OfferEvent, RouterInputs } from "@convoy/api";
import { count, drivers, events, hashPassword, offerRecipients, offers, trips, users, type UserRole } from "@convoy/db";
import type { LoggedInClient, TestServer } from "./harness";
import { collect, type Collected } from "./subscriptions";

const EXTRA_PASSWORD = "extra-offers-123";
// scrypt is slow on purpose: hash once per test process, not once per user.
let extraHash: Promise<string> | null = null;

/**
 * Adds `n` users of `role` beyond the seed (drivers get a vehicle) and logs each in
 * through the API. The login is the only way their tokens are made.
 */
export async function addUsers(t: TestServer, role: Exclude<UserRole, "rider">, n: number): Promise<LoggedInClient[]> {
  const passwordHash = await (extraHash ??= hashPassword(EXTRA_PASSWORD));
  const tag = randomBytes(3).toString("hex");
  const emails = Array.from({ length: n }, (_, i) => `${role}-${tag}-${i}@offers.test`);
  await t.db.insert(users).values(emails.map((email, i) => ({ role, name: `Extra ${role} ${i}`, email, phone: "+1 312 555 0100", passwordHash })));
  const created = await Promise.all(emails.map((email) => t.login(email, EXTRA_PASSWORD)));
  if (role === "driver") {
    await t.db.insert(drivers).values(
      created.map((client) => ({
        userId: client.userId,
        vehicleType: "box_truck" as const,
        vehicleLengthCm: 730,
        vehicleWidthCm: 245,
        vehicleHeightCm: 250,
        payloadKg: 4_500,
        availability: "available" as const,
      })),
    );
  }
  return created;
}

export type CreateOfferInput = RouterInputs["offers"]["create"];

/** A valid load, Chicago Loop → O'Hare, open for an hour unless overridden. */
export function loadInput(driverIds: number[], overrides: Partial<CreateOfferInput> = {}): CreateOfferInput {
  return {
    driverIds,
    pickup: { address: "100 N State St, Chicago", lat: 41.8837, lng: -87.6278 },
    dropoff: { address: "O'Hare Cargo Area, Chicago", lat: 41.9742, lng: -87.9073 },
    weightKg: 800,
    dimensions: { lengthCm: 240, widthCm: 120, heightCm: 100 },
    rateCents: 45_000,
    notes: "Dock 4, call on arrival",
    expiresInSeconds: 3_600,
    ...overrides,
  };
}

export interface Failure {
  code: string | undefined;
  httpStatus: number | undefined;
  message: string;
}

/** Awaits a call that must fail and returns its tRPC code and message. */
export async function failure(call: Promise<unknown>): Promise<Failure> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const data = (error as TRPCClientError<AppRouter>).data;
      return { code: data?.code, httpStatus: data?.httpStatus, message: error.message };
    }
    throw error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Row counts of the tables an offer mutation writes, to prove a refused call wrote nothing. */
export async function offerTableCounts(t: TestServer) {
  const n = async (table: typeof offers | typeof offerRecipients | typeof events | typeof trips) =>
    (await t.db.select({ n: count() }).from(table))[0]!.n;
  return { offers: await n(offers), recipients: await n(offerRecipients), events: await n(events), trips: await n(trips) };
}

/** What `offers.events` delivers to a client: the tracked id and the typed event. */
export type OfferEventItem = { id: string; data: OfferEvent };

/**
 * Subscribes `client` to `offers.events` and collects what arrives. With an `offerId` and
 * `lastEventId: "0"` it replays that offer from its first event, then stays live.
 */
export function offerEvents(client: LoggedInClient, input: RouterInputs["offers"]["events"] = {}): Collected<OfferEventItem> {
  return collect<OfferEventItem>((handlers) => client.api.offers.events.subscribe(input, handlers));
}

/** The events of one offer, as `type` strings, in arrival order. */
export function typesOf(items: OfferEventItem[], offerId?: number): string[] {
  return items.filter((item) => offerId === undefined || item.data.offerId === offerId).map((item) => item.data.type);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
