import { describe, expect, it } from "vitest";
import type { PumpInterest, PumpSubscription, StoredEvent } from "@convoy/api/server";
import { useTestServer } from "./support/harness";
import { MARKER_TYPE, writeMarkers, type MarkerAudience } from "./support/barrier";
import { addUsers, loadInput } from "./support/offerFixtures";
import { eventually } from "./support/tracking";
import { addRiders, area, rideInput } from "./support/tripFixtures";

const t = useTestServer({ trips: { searchRadiusKm: 2 } });

/** A pump subscription that accepts whatever its interest covers, and what it received. */
function listen(interest: PumpInterest) {
  const subscription: PumpSubscription = t.server.services.pump.subscribe(interest, () => true);
  const received: StoredEvent[] = [];
  void (async () => {
    for await (const event of subscription.queue.drain()) received.push(event);
  })();
  return {
    received,
    types: () => received.flatMap((event) => (event.type === MARKER_TYPE ? [] : [event.type])),
    stop: subscription.unsubscribe,
  };
}

type Listener = ReturnType<typeof listen>;

/**
 * Writes a marker per listener (on `stream`, for `audience`) and waits until each listener
 * has received its own: the pump hands a subscriber events in id order, so everything
 * before the marker that concerns it has then arrived.
 */
async function throughMarkers(stream: "offers" | "trips", watched: [Listener, MarkerAudience][]): Promise<void> {
  const ids = await writeMarkers(
    t.db,
    t.server.services.pump,
    stream,
    watched.map(([, audience]) => audience),
  );
  await Promise.all(
    watched.map(([listener], i) =>
      eventually(async () => (listener.received.some((event) => event.id === ids[i]) ? true : undefined), 10_000, `marker ${ids[i]}`),
    ),
  );
}

describe("EventPump: subscribers indexed by audience", () => {
  it("hands each event only to the subscribers it concerns", async () => {
    const dispatcher = await t.as("dispatcher");
    const [otherDispatcher] = await addUsers(t, "dispatcher", 1);
    const [d1, d2] = await Promise.all([t.as("driver", 1), t.as("driver", 2)]);
    const [rider] = await addRiders(t, 1);

    const toD1 = listen({ viewer: { userId: d1.userId, role: "driver" } });
    const toD2 = listen({ viewer: { userId: d2.userId, role: "driver" } });
    const toDispatcher = listen({ viewer: { userId: dispatcher.userId, role: "dispatcher" } });
    const toOtherDispatcher = listen({ viewer: { userId: otherDispatcher!.userId, role: "dispatcher" } });
    const toRider = listen({ viewer: { userId: rider!.userId, role: "rider" } });
    const wholeOffersStream = listen({ stream: "offers" });
    const wholeTripsStream = listen({ stream: "trips" });

    const offer = await dispatcher.api.offers.create.mutate(loadInput([d1.userId]));
    const trip = await rider!.api.trips.request.mutate(rideInput(area(40)));
    await throughMarkers("offers", [
      [toD1, { driverId: d1.userId }],
      [toD2, { driverId: d2.userId }],
      [toOtherDispatcher, { dispatcherId: otherDispatcher!.userId }],
      [wholeOffersStream, { dispatcherId: dispatcher.userId }],
    ]);
    // Trip markers come after the offer markers: for the dispatcher the last it can see.
    await throughMarkers("trips", [
      [toRider, { tripId: trip.id, riderId: rider!.userId }],
      [toDispatcher, { tripId: trip.id, allDispatchers: true }],
      [toOtherDispatcher, { tripId: trip.id, allDispatchers: true }],
      [wholeTripsStream, { tripId: trip.id, allDispatchers: true }],
    ]);

    expect(toD1.types()).toEqual(["offer.received"]);
    expect(toD1.received[0]!.offerId).toBe(offer.id);
    expect(toD2.types()).toEqual([]);
    // A trip event for all dispatchers reaches both; an offer event only its own dispatcher.
    expect(toDispatcher.types().filter((type) => type.startsWith("offer."))).toEqual(["offer.created"]);
    expect(toOtherDispatcher.types().filter((type) => type.startsWith("offer."))).toEqual([]);
    const tripTypesFor = (listener: ReturnType<typeof listen>) =>
      listener.received
        .filter((event) => event.tripId === trip.id && event.stream === "trips" && event.type !== MARKER_TYPE)
        .map((event) => event.type);
    expect(tripTypesFor(toDispatcher)).not.toEqual([]);
    expect(tripTypesFor(toOtherDispatcher)).toEqual(tripTypesFor(toDispatcher));
    expect(tripTypesFor(toRider)).toContain("trip.requested");
    expect(wholeOffersStream.types()).toEqual(expect.arrayContaining(["offer.created", "offer.received"]));
    expect(wholeTripsStream.received.every((event) => event.stream === "trips")).toBe(true);
    expect(tripTypesFor(wholeTripsStream)).toEqual(tripTypesFor(toDispatcher));

    // After unsubscribing, nothing more arrives.
    toD1.stop();
    const stillD1 = listen({ viewer: { userId: d1.userId, role: "driver" } });
    await dispatcher.api.offers.create.mutate(loadInput([d1.userId]));
    await throughMarkers("offers", [[stillD1, { driverId: d1.userId }]]);
    expect(stillD1.types()).toEqual(["offer.received"]);
    expect(toD1.types()).toEqual(["offer.received"]);
    stillD1.stop();
    for (const listener of [toD2, toDispatcher, toOtherDispatcher, toRider, wholeOffersStream, wholeTripsStream]) listener.stop();
  });
});
