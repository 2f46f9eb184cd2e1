import type { ConvoyClient } from "@convoy/client";
import type { Account, ErrorCounts, RiderPair, RidersPrepared, RidersResult, RiderProbe, Window } from "../protocol";
import { Histogram } from "../stats";
import { connect, countError, errorCode, forEachLimited } from "./clients";

/** The part of a tRPC subscription proxy the probe needs, for a path the router may not have. */
interface UntypedSubscription {
  subscribe: (
    input: unknown,
    options: { onStarted?: () => void; onData?: (data: unknown) => void; onError?: (error: unknown) => void },
  ) => { unsubscribe: () => void };
}

/**
 * Asks the running server whether `tracking.onTrip` exists, by subscribing to it as a rider
 * for a trip that is not theirs: tRPC answers NOT_FOUND "No … procedure on path" for a path the
 * router does not have; anything else (NOT_FOUND for the trip, or started) means it is there.
 */
export async function probeRiders(url: string, account: Account): Promise<RiderProbe> {
  const client = connect(url, account.token);
  const api = client.api as unknown as { tracking: { onTrip: UntypedSubscription } };
  const outcome = await new Promise<{ started: true } | { error: unknown }>((resolve) => {
    const subscription = api.tracking.onTrip.subscribe(
      { tripId: 1 },
      {
        onStarted: () => {
          subscription.unsubscribe();
          resolve({ started: true });
        },
        onError: (error) => resolve({ error }),
      },
    );
    setTimeout(() => resolve({ error: new Error("no answer within 10 s") }), 10_000).unref();
  });
  await client.close();
  if ("started" in outcome) return { available: true };
  const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  if (errorCode(outcome.error) === "NOT_FOUND" && /no .*procedure/i.test(message)) {
    return { available: false, reason: "tracking.onTrip is not in the AppRouter" };
  }
  if (message.startsWith("no answer")) return { available: false, reason: `tracking.onTrip probe: ${message}` };
  return { available: true };
}

interface RiderWatch {
  rider: ConvoyClient;
  riderId: number;
  driverId: number;
  tripId: number;
  /** Newest recordedAt of the driver seen in this rider's frames. */
  seen: number;
}

const watches: RiderWatch[] = [];
let window: Window = { start: Number.POSITIVE_INFINITY, end: Number.NEGATIVE_INFINITY };
let deliveries = 0;
let latency = new Histogram(0.1);
const errors: ErrorCounts = {};

/**
 * Gives every rider a trip with their paired driver and starts following it: the rider
 * requests a ride at the driver's position (the driver is nearest, so ring 0's ride offer
 * reaches them), the driver finds that offer among their open ones and accepts it, then the
 * rider subscribes to `tracking.onTrip`.
 */
export async function prepareRiders(url: string, pairs: readonly RiderPair[]): Promise<RidersPrepared> {
  let failed = 0;
  const setupErrors: ErrorCounts = {};
  await forEachLimited(pairs, 8, async (pair) => {
    const rider = connect(url, pair.rider.token);
    const driver = connect(url, pair.driver.token);
    try {
      const tripId = await assignTrip(rider, driver, pair);
      await follow(rider, { rider, riderId: pair.rider.id, driverId: pair.driver.id, tripId, seen: 0 });
    } catch (error) {
      failed++;
      countError(setupErrors, error);
    } finally {
      await driver.close();
    }
  });
  return { trips: watches.length, failed, errors: setupErrors };
}

async function assignTrip(rider: ConvoyClient, driver: ConvoyClient, pair: RiderPair): Promise<number> {
  const { lat, lng } = pair.pickup;
  const trip = await rider.api.trips.request.mutate({
    pickup: { address: "Benchmark pickup", lat, lng },
    dropoff: { address: "Benchmark dropoff", lat: lat + 0.03, lng: lng + 0.02 },
  });
  const { items } = await driver.api.offers.list.query({ status: ["open"], limit: 100 });
  const offer = items.find((item) => item.kind === "ride" && Math.abs(item.pickup.lat - lat) < 1e-7 && Math.abs(item.pickup.lng - lng) < 1e-7);
  if (!offer) throw new Error(`driver ${pair.driver.id} got no ride offer for trip ${trip.id} (status ${trip.status})`);
  await driver.api.offers.respond.mutate({ offerId: offer.id, action: "accept" });
  return trip.id;
}

function follow(rider: ConvoyClient, watch: RiderWatch): Promise<void> {
  return new Promise((resolve, reject) => {
    rider.api.tracking.onTrip.subscribe(
      { tripId: watch.tripId },
      {
        onData(frame) {
          const now = Date.now();
          const position = frame.position;
          if (frame.kind === "snapshot") {
            watches.push(watch);
            resolve();
          }
          if (!position || position.recordedAt <= watch.seen) return;
          watch.seen = position.recordedAt;
          if (frame.kind !== "snapshot" && now >= window.start && now < window.end) {
            deliveries++;
            latency.record(now - position.recordedAt);
          }
        },
        onError(error) {
          countError(errors, error);
          reject(error);
        },
      },
    );
  });
}

export function setRidersWindow(next: Window): null {
  window = next;
  deliveries = 0;
  latency = new Histogram(0.1);
  return null;
}

/** Every rider cancels their trip (before it starts, which riders may); returns how many did. */
export async function finishRiders(): Promise<number> {
  let cancelled = 0;
  await forEachLimited(watches.splice(0), 16, async (watch) => {
    try {
      await watch.rider.api.trips.cancel.mutate({ tripId: watch.tripId, reason: "benchmark finished" });
      cancelled++;
    } catch (error) {
      countError(errors, error);
    }
  });
  return cancelled;
}

/** Rider latency, and riders whose view misses their driver's final acknowledged point. */
export function collectRiders(finals: readonly [number, number][]): RidersResult {
  const finalOf = new Map(finals);
  let lost = 0;
  for (const watch of watches) {
    const final = finalOf.get(watch.driverId);
    if (final !== undefined && final > 0 && watch.seen < final) lost++;
  }
  return { riders: watches.length, deliveries, latency: latency.toJSON(), lost, errors };
}
