import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { and, count, eq, events, messages, tripStatusActions, trips } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { failure, loadInput } from "./support/offerFixtures";
import { eventually, locationCount } from "./support/tracking";
import { addDrivers, addRiders, area, assignedRide, placeDriver } from "./support/tripFixtures";

// What the driver app's offline queue relies on: each queued action, sent again after a lost
// answer (or the whole queue sent twice), is one action on the server.
const t = useTestServer({ trips: { searchRadiusKm: 2 } });

let dispatcher: LoggedInClient;
let riders: LoggedInClient[];
let pool: LoggedInClient[];

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  riders = await addRiders(t, 3);
  pool = await addDrivers(t, 4);
});

/** `trip.status_changed` events stored for `tripId` that moved it to `to`. */
async function statusEvents(tripId: number, to: string): Promise<number> {
  const rows = await t.db
    .select({ payload: events.payload })
    .from(events)
    .where(and(eq(events.tripId, tripId), eq(events.type, "trip.status_changed")));
  return rows.filter((row) => row.payload.to === to).length;
}

describe("replaying a queued action", () => {
  it("makes a trip move once per idempotency key, even after the trip moved on, and answers the repeat with the trip", async () => {
    const [driver] = [pool[0]!];
    const ride = await assignedRide(t, riders[0]!, driver, area(11));
    const enRoute = { tripId: ride.tripId, status: "en_route" as const, idempotencyKey: randomUUID() };

    const first = await driver.api.trips.updateStatus.mutate(enRoute);
    const repeat = await driver.api.trips.updateStatus.mutate(enRoute);
    expect(first.status).toBe("en_route");
    expect(repeat).toMatchObject({ id: ride.tripId, status: "en_route" });

    // The queue goes on (arrival at the pickup), then is sent again whole: both repeats succeed, nothing moves back.
    await placeDriver(t, driver.userId, ride.pickup, "busy");
    const arrive = { tripId: ride.tripId, status: "arrived" as const, idempotencyKey: randomUUID() };
    expect((await driver.api.trips.updateStatus.mutate(arrive)).status).toBe("arrived");
    const replayed = await Promise.all([driver.api.trips.updateStatus.mutate(enRoute), driver.api.trips.updateStatus.mutate(arrive)]);
    expect(replayed.map((trip) => trip.status)).toEqual(["arrived", "arrived"]);

    const [row] = await t.db.select({ status: trips.status }).from(trips).where(eq(trips.id, ride.tripId));
    expect(row?.status).toBe("arrived");
    expect(await statusEvents(ride.tripId, "en_route")).toBe(1);
    expect(await statusEvents(ride.tripId, "arrived")).toBe(1);
    const [keys] = await t.db.select({ n: count() }).from(tripStatusActions).where(eq(tripStatusActions.tripId, ride.tripId));
    expect(keys?.n).toBe(2);

    // Without the key the stale step is what it always was: refused, since the trip is past it.
    expect((await failure(driver.api.trips.updateStatus.mutate({ tripId: ride.tripId, status: "en_route" }))).code).toBe("CONFLICT");
  });

  it("makes one move when the same keyed move arrives twice at once", async () => {
    const driver = pool[1]!;
    const ride = await assignedRide(t, riders[1]!, driver, area(12));
    const move = { tripId: ride.tripId, status: "en_route" as const, idempotencyKey: randomUUID() };
    const answers = await Promise.all([driver.api.trips.updateStatus.mutate(move), driver.api.trips.updateStatus.mutate(move)]);
    expect(answers.map((trip) => trip.status)).toEqual(["en_route", "en_route"]);
    expect(await statusEvents(ride.tripId, "en_route")).toBe(1);
  });

  it("refuses a key used for another move, a key that is not a UUID, and another driver replaying a key", async () => {
    const [driver, other] = [pool[2]!, pool[3]!];
    const ride = await assignedRide(t, riders[2]!, driver, area(13));
    const idempotencyKey = randomUUID();
    await driver.api.trips.updateStatus.mutate({ tripId: ride.tripId, status: "en_route", idempotencyKey });

    const reused = await failure(
      driver.api.trips.updateStatus.mutate({ tripId: ride.tripId, status: "arrived", idempotencyKey, overrideReason: "testing" }),
    );
    expect(reused.code).toBe("CONFLICT");
    expect(reused.message).toMatch(/already used for another move/);

    const malformed = await failure(driver.api.trips.updateStatus.mutate({ tripId: ride.tripId, status: "en_route", idempotencyKey: "not-a-uuid" }));
    expect(malformed.code).toBe("BAD_REQUEST");
    expect(malformed.message).toMatch(/idempotencyKey must be a UUID/);

    // Keys belong to their driver: another driver's copy of the key finds nothing of theirs, and the trip is not theirs.
    expect((await failure(other.api.trips.updateStatus.mutate({ tripId: ride.tripId, status: "en_route", idempotencyKey }))).code).toBe("NOT_FOUND");
    const [row] = await t.db.select({ status: trips.status }).from(trips).where(eq(trips.id, ride.tripId));
    expect(row?.status).toBe("en_route");
  });

  it("stores one chat message per clientMessageId however often it is sent", async () => {
    const driver = await t.as("driver", 5);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const send = { offerId: offer.id, body: "Stuck at the gate, 10 min", clientMessageId: randomUUID() };

    const sent = await Promise.all([driver.api.chat.send.mutate(send), driver.api.chat.send.mutate(send)]);
    const again = await driver.api.chat.send.mutate(send);
    expect(new Set([...sent, again].map((message) => message.id)).size).toBe(1);
    const [stored] = await t.db.select({ n: count() }).from(messages).where(eq(messages.clientMessageId, send.clientMessageId));
    expect(stored?.n).toBe(1);
  });

  it("stores a position batch sent twice once, keeping an older batch in history without moving the live position back", async () => {
    const driver = await t.as("driver", 6);
    const now = Date.now();
    const live = { lat: 41.9, lng: -87.6, recordedAt: now };
    await driver.api.tracking.report.mutate({ points: [live] });

    // Points recorded offline a minute ago arrive after the live one, twice.
    const backlog = Array.from({ length: 5 }, (_, i) => ({ lat: 41.8 + i / 1_000, lng: -87.7, recordedAt: now - 60_000 + i * 1_000 }));
    await driver.api.tracking.report.mutate({ points: backlog });
    await driver.api.tracking.report.mutate({ points: backlog });

    await eventually(async () => ((await locationCount(t.db, driver.userId, now - 120_000, now + 1)) === 6 ? true : undefined), 15_000, "six rows");
    const fleet = await dispatcher.api.tracking.fleet.query();
    expect(fleet.drivers.find((row) => row.id === driver.userId)?.position).toMatchObject(live);
  });
});
