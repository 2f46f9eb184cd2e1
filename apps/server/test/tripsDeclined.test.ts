import { beforeAll, describe, expect, it } from "vitest";
import { asc, eq, offers } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { loadInput, offerEvents, typesOf } from "./support/offerFixtures";
import { addDrivers, addRiders, area, offsetKm, placeDriver, rideInput, tripEvents, tripTypes } from "./support/tripFixtures";

// Offers that would stay open for a minute: anything faster is the decline, not the deadline.
const t = useTestServer({ trips: { searchRadiusKm: 3, waveSizes: [2, 1], offerTimeoutSeconds: 60 } });

let dispatcher: LoggedInClient;
let rider: LoggedInClient;
let pool: LoggedInClient[];

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  [rider] = (await addRiders(t, 1)) as [LoggedInClient];
  pool = await addDrivers(t, 3);
});

const offersOf = (tripId: number) => t.db.select().from(offers).where(eq(offers.tripId, tripId)).orderBy(asc(offers.id));

describe("every driver of a wave says no", () => {
  it("offers the next wave at once instead of waiting out the offer", async () => {
    const centre = area(5);
    const [first, second, outer] = pool as [LoggedInClient, LoggedInClient, LoggedInClient];
    await placeDriver(t, first.userId, offsetKm(centre, 0.4));
    await placeDriver(t, second.userId, offsetKm(centre, 0, 0.6));
    await placeDriver(t, outer.userId, offsetKm(centre, 2));
    const riderStream = tripEvents(rider);
    const outerStream = offerEvents(outer);
    await Promise.all([riderStream.started, outerStream.started]);

    const trip = await rider.api.trips.request.mutate(rideInput(centre));
    const [ring0] = await offersOf(trip.id);
    await first.api.offers.respond.mutate({ offerId: ring0!.id, action: "reject" });
    // One "no" is not all of them: the wave keeps waiting for the other driver.
    expect((await offersOf(trip.id)).map((offer) => offer.status)).toEqual(["open"]);

    const declinedAt = Date.now();
    await second.api.offers.respond.mutate({ offerId: ring0!.id, action: "reject" });
    await outerStream.until((items) => typesOf(items).includes("offer.received"), 5_000);
    expect(Date.now() - declinedAt).toBeLessThan(5_000);

    const searches = riderStream.items.map((item) => item.data).filter((event) => event.type === "trip.searching");
    expect(searches.map((event) => [event.ring, event.driverCount])).toEqual([
      [0, 2],
      [1, 1],
    ]);
    expect((await offersOf(trip.id)).map((offer) => offer.status)).toEqual(["expired", "open"]);
    expect(tripTypes(riderStream.items, trip.id)).not.toContain("trip.cancelled");

    await rider.api.trips.cancel.mutate({ tripId: trip.id, reason: "test over" });
    riderStream.stop();
    outerStream.stop();
  });

  it("leaves a load open for its dispatcher when every driver rejects it", async () => {
    const driver = pool[0]!;
    const load = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    await driver.api.offers.respond.mutate({ offerId: load.id, action: "reject" });
    const detail = await dispatcher.api.offers.byId.query({ offerId: load.id });
    expect(detail.status).toBe("open");
    expect(detail.recipients.map((recipient) => recipient.status)).toEqual(["rejected"]);
  });
});
