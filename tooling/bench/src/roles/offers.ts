import { randomUUID } from "node:crypto";
import { DEMO_CITY } from "@convoy/db";
import type { Account, ErrorCounts, OffersCreated, OffersDriversResult } from "../protocol";
import { countError, pace } from "./clients";
import { WireClient } from "./wireClient";

/** One clock for every process of the run, with sub-millisecond resolution. */
const clock = () => performance.timeOrigin + performance.now();

/** The note that names which recipient accepts. */
const ACCEPT_NOTE = "bench accept:";

/** offerId → when each recipient here received it. */
const receipts = new Map<number, number[]>();
/** offerId → when this worker's accepting driver called `offers.respond`. */
const acceptCalls = new Map<number, number>();
/** offerId → when that call was answered. */
const acceptAnswers = new Map<number, number>();
/** offerId → when a dispatcher here saw `offer.accepted`. */
const acceptedSeen = new Map<number, number>();
const errors: ErrorCounts = {};
let dispatchers: WireClient[] = [];

type OfferEvent = { type: string; offerId: number } & Record<string, unknown>;

function subscribe(wire: WireClient, onData: (data: OfferEvent) => void): Promise<void> {
  return wire
    .subscribe("offers.events", {}, (data) => onData(data as OfferEvent))
    .catch((error: unknown) => {
      countError(errors, error);
      throw error;
    });
}

/**
 * Each driver subscribes to `offers.events` over its WebSocket and records when each offer
 * arrives; the recipient an offer's note names accepts it at once. Drivers and dispatchers
 * speak tRPC's frames directly (`WireClient`), so that the load's own CPU leaves the server
 * its share of the two cores.
 */
export async function prepareOfferDrivers(url: string, accounts: readonly Account[]): Promise<number> {
  await Promise.all(
    accounts.map(async (account) => {
      const wire = await WireClient.open(url, account.token);
      const mine = `${ACCEPT_NOTE}${account.id}`;
      return subscribe(wire, (data) => {
        if (data.type !== "offer.received") return;
        const now = clock();
        const times = receipts.get(data.offerId);
        if (times) times.push(now);
        else receipts.set(data.offerId, [now]);
        if ((data.offer as { notes: string }).notes !== mine) return;
        acceptCalls.set(data.offerId, clock());
        wire.mutate("offers.respond", { offerId: data.offerId, action: "accept" }).then(
          () => void acceptAnswers.set(data.offerId, clock()),
          (error: unknown) => countError(errors, error),
        );
      });
    }),
  );
  return accounts.length;
}

export function collectOfferDrivers(): OffersDriversResult {
  return { receipts: [...receipts], acceptCalls: [...acceptCalls], acceptAnswers: [...acceptAnswers], errors };
}

/** Each dispatcher subscribes to `offers.events` and records when it sees an offer accepted. */
export async function prepareOfferDispatchers(url: string, accounts: readonly Account[]): Promise<number> {
  dispatchers = await Promise.all(accounts.map((account) => WireClient.open(url, account.token)));
  await Promise.all(
    dispatchers.map((client) =>
      subscribe(client, (data) => {
        if (data.type === "offer.accepted") acceptedSeen.set(data.offerId, clock());
      }),
    ),
  );
  return dispatchers.length;
}

/**
 * Creates `offersPerSecond` offers for `seconds`, the dispatchers taking turns, offer k to
 * `recipients` consecutive drivers of `driverIds` from position k × recipients (wrapping),
 * and names which of them accepts so that every driver accepts as often as the others.
 */
export async function runOffers(args: { seconds: number; offersPerSecond: number; driverIds: number[]; recipients: number }): Promise<OffersCreated> {
  const created: [number, number][] = [];
  const answered: [number, number][] = [];
  const calls: Promise<void>[] = [];
  const total = Math.round(args.seconds * args.offersPerSecond);
  const sendingSeconds = await pace(total, args.offersPerSecond, (k) => {
    const first = (k * args.recipients) % args.driverIds.length;
    const driverIds = Array.from({ length: args.recipients }, (_, i) => args.driverIds[(first + i) % args.driverIds.length]!);
    const dispatcher = dispatchers[k % dispatchers.length]!;
    const sentAt = clock();
    calls.push(
      dispatcher
        .mutate("offers.create", {
          driverIds,
          pickup: { address: "1 Pickup St", lat: DEMO_CITY.lat + 0.01, lng: DEMO_CITY.lng },
          dropoff: { address: "2 Dropoff Ave", lat: DEMO_CITY.lat - 0.01, lng: DEMO_CITY.lng },
          weightKg: 500,
          dimensions: { lengthCm: 100, widthCm: 100, heightCm: 100 },
          rateCents: 50_000,
          // Each recipient of a group of drivers accepts in turn, one offer in `recipients`.
          notes: `${ACCEPT_NOTE}${driverIds[Math.floor(k / Math.ceil(args.driverIds.length / args.recipients)) % args.recipients]}`,
          expiresInSeconds: 3_600,
          idempotencyKey: randomUUID(),
        })
        .then(
          (offer) => {
            const offerId = (offer as { id: number }).id;
            created.push([offerId, sentAt]);
            answered.push([offerId, clock()]);
          },
          (error: unknown) => countError(errors, error),
        ),
    );
  });
  await Promise.all(calls);
  return { created, answered, sendingSeconds, errors };
}

export function collectOfferDispatchers(): [number, number][] {
  return [...acceptedSeen];
}

/** How many offers have been seen accepted here; the scenario waits on it. */
export function offersAcceptedSeen(): number {
  return acceptedSeen.size;
}
