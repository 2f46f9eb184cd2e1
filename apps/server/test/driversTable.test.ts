import { describe, expect, it } from "vitest";
import type { PresenceEvent } from "@convoy/api";
import { drivers, eq, inArray, like, seed, simulatedDriverLogins, users, vehicleTypes } from "@convoy/db";
import { useTestServer } from "./support/harness";
import { loadInput } from "./support/offerFixtures";
import { collect } from "./support/subscriptions";
import { connectedClient, eventually } from "./support/tracking";

// What the dispatcher's Drivers table reads: `drivers.list` with presence, the current trip,
// search and filters, and presence changes that say when a driver was last seen.

const GRACE_MS = 400;
const t = useTestServer({ presenceGraceMs: GRACE_MS });

describe("drivers.list for the drivers table", () => {
  it("says who is online and, once a driver leaves, when they were last seen; filters by presence", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 7);
    const presence = collect<PresenceEvent>((handlers) => dispatcher.api.presence.events.subscribe(undefined, handlers));
    await presence.until((items) => items.length > 0);
    const row = async (filter: { online?: boolean } = {}) =>
      (await dispatcher.api.drivers.list.query(filter)).find((entry) => entry.id === driver.userId);

    expect(await row()).toMatchObject({ online: false, lastSeenAt: null, currentTrip: null });
    expect(await row({ online: true })).toBeUndefined();

    const socket = connectedClient(t, driver.token);
    await eventually(async () => ((await row())?.online ? true : undefined), 10_000, "the driver online");
    const online = await dispatcher.api.drivers.list.query({ online: true });
    expect(online.map((entry) => entry.id)).toContain(driver.userId);
    expect(online.every((entry) => entry.online)).toBe(true);
    expect(await row({ online: false })).toBeUndefined();

    const closedAt = Date.now();
    await socket.close();
    // The change says when the last socket closed, not when the reconnect grace ran out.
    await presence.until((items) => items.some((item) => item.kind === "change" && item.userId === driver.userId && !item.online));
    const offline = presence.items.find((item) => item.kind === "change" && item.userId === driver.userId && !item.online);
    expect(offline?.kind === "change" && offline.lastSeenAt).toBeGreaterThanOrEqual(closedAt - 50);
    expect(offline?.kind === "change" && offline.lastSeenAt).toBeLessThanOrEqual(offline!.at - GRACE_MS + 50);
    // Stored too (it was also written when the driver connected), for a table loaded later.
    const after = await eventually(async () => {
      const entry = await row({ online: false });
      return entry?.lastSeenAt && Date.parse(entry.lastSeenAt) >= closedAt - 50 ? entry : undefined;
    });
    expect(after.online).toBe(false);
    presence.stop();
  });

  it("shows the trip a driver is on, in the list and the details, until it ends", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 8);
    const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const { tripId } = await driver.api.offers.respond.mutate({ offerId, action: "accept" });
    const listed = async () => (await dispatcher.api.drivers.list.query({})).find((entry) => entry.id === driver.userId);

    expect(await listed()).toMatchObject({ availability: "busy", currentTrip: { id: tripId, kind: "load", status: "assigned" } });
    await driver.api.trips.updateStatus.mutate({ tripId: tripId!, status: "en_route" });
    expect((await listed())?.currentTrip).toEqual({ id: tripId, kind: "load", status: "en_route" });
    expect((await dispatcher.api.drivers.byId.query({ driverId: driver.userId })).currentTrip).toEqual({
      id: tripId,
      kind: "load",
      status: "en_route",
    });
    // The driver sees their own trip in their details too.
    expect((await driver.api.drivers.byId.query({ driverId: driver.userId })).currentTrip?.id).toBe(tripId);

    await dispatcher.api.trips.cancel.mutate({ tripId: tripId!, reason: "Load withdrawn by the shipper" });
    expect(await listed()).toMatchObject({ availability: "available", currentTrip: null });
    expect((await dispatcher.api.drivers.byId.query({ driverId: driver.userId })).currentTrip).toBeNull();
  });

  it("searches names, emails, phones (ignoring spaces) and vehicle types, and filters by vehicle", async () => {
    const dispatcher = await t.as("dispatcher");
    const names = async (search: string) => (await dispatcher.api.drivers.list.query({ search })).map((entry) => entry.name);

    expect(await names("ava a")).toEqual(["Ava A. (driver 1)"]);
    expect(await names("DRIVER12@CONVOY")).toEqual(["Lena L. (driver 12)"]);
    // Seeded phones are "+1 312 555 1000" + n - 1: driver 4 is 1003, typed without spaces.
    expect(await names("555-1003")).toEqual(["Dev D. (driver 4)"]);
    expect(await names("5551003")).toEqual(["Dev D. (driver 4)"]);
    // LIKE's wildcards are matched as themselves.
    expect(await names("%")).toEqual([]);
    expect(await names("_")).toEqual([]);

    const [boxTrucks, bySearch] = await Promise.all([
      dispatcher.api.drivers.list.query({ vehicleTypes: ["box_truck"] }),
      dispatcher.api.drivers.list.query({ search: "box truck" }),
    ]);
    const stored = await t.db.select({ id: drivers.userId }).from(drivers).where(eq(drivers.vehicleType, "box_truck"));
    expect(boxTrucks.map((entry) => entry.id).sort()).toEqual(stored.map((entry) => entry.id).sort());
    expect(bySearch.map((entry) => entry.id).sort()).toEqual(stored.map((entry) => entry.id).sort());

    const vansAndReefers = await dispatcher.api.drivers.list.query({ vehicleTypes: ["van", "reefer"], availability: ["offline"] });
    const expected = await t.db
      .select({ id: drivers.userId })
      .from(drivers)
      .where(inArray(drivers.vehicleType, ["van", "reefer"]));
    expect(vansAndReefers.length).toBeGreaterThan(0);
    for (const entry of vansAndReefers) {
      expect(["van", "reefer"]).toContain(entry.vehicleType);
      expect(entry.availability).toBe("offline");
      expect(expected.map((row) => row.id)).toContain(entry.id);
    }
  });

  it("lists the simulator's drivers apart from the people's, offline until the simulator drives them", async () => {
    const dispatcher = await t.as("dispatcher");
    const sims = await dispatcher.api.drivers.list.query({ limit: 500 });
    const simEmails = simulatedDriverLogins().map((login) => login.email);
    const simRows = sims.filter((entry) => simEmails.includes(entry.email));
    expect(simRows.map((entry) => entry.email).sort()).toEqual([...simEmails].sort());
    expect(simRows.every((entry) => entry.availability === "offline" && entry.name.includes("(simulated)"))).toBe(true);
    expect(new Set(simRows.map((entry) => entry.vehicleType)).size).toBe(vehicleTypes.length);
  });

  it("seeds the simulator's drivers into a database seeded before they existed, once", async () => {
    const simEmails = simulatedDriverLogins().map((login) => login.email);
    await t.db.delete(users).where(like(users.email, "sim%@convoy.test"));
    expect(await t.db.select({ id: users.id }).from(users).where(inArray(users.email, simEmails))).toEqual([]);

    expect(await seed(t.db)).toBe(true);
    const added = await t.db
      .select({ email: users.email, availability: drivers.availability })
      .from(users)
      .innerJoin(drivers, eq(drivers.userId, users.id))
      .where(inArray(users.email, simEmails));
    expect(added.map((row) => row.email).sort()).toEqual([...simEmails].sort());
    expect(added.every((row) => row.availability === "offline")).toBe(true);
    expect(await seed(t.db)).toBe(false);
  });

  it("refuses a search longer than 100 characters and an unknown vehicle type, readably", async () => {
    const dispatcher = await t.as("dispatcher");
    await expect(dispatcher.api.drivers.list.query({ search: "x".repeat(101) })).rejects.toThrow(/search must be at most 100 characters/);
    // @ts-expect-error: a vehicle type the schema does not know.
    await expect(dispatcher.api.drivers.list.query({ vehicleTypes: ["hovercraft"] })).rejects.toThrow(/vehicleTypes/);
    const rider = await t.as("rider");
    await expect(rider.api.drivers.list.query({ search: "ava" })).rejects.toThrow("Only a dispatcher can do this; you are signed in as a rider");
  });
});
