import { describe, expect, it } from "vitest";
import { ActiveTrips } from "./activeTrips";

const place = { lat: 41.88, lng: -87.63 };
const trip = (id: number, driverId: number | null, status: "requested" | "assigned" | "en_route" | "completed" | "cancelled", reassignments = 0) => ({
  id,
  driverId,
  riderId: 7,
  status,
  pickup: place,
  dropoff: place,
  arrivalRadiusM: null,
  reassignments,
});

describe("ActiveTrips", () => {
  it("keeps trips with a driver until they end, findable by driver, newest first", () => {
    const active = new ActiveTrips();
    active.apply(trip(1, null, "requested"));
    expect(active.size).toBe(0);
    active.apply(trip(1, 5, "assigned"));
    active.apply(trip(2, 5, "en_route"));
    expect(active.forDriver(5).map((t) => t.id)).toEqual([2, 1]);
    active.apply(trip(2, 5, "completed"));
    expect(active.forDriver(5).map((t) => t.id)).toEqual([1]);
    expect(active.get(2)).toBeUndefined();
  });

  it("never moves a trip backwards, nor brings an ended one back", () => {
    const active = new ActiveTrips();
    active.apply(trip(3, 6, "en_route"));
    active.apply(trip(3, 6, "assigned"));
    expect(active.get(3)?.status).toBe("en_route");
    active.apply(trip(3, 6, "cancelled"));
    active.apply(trip(3, 6, "en_route"));
    expect(active.get(3)).toBeUndefined();
  });

  it("follows a reassigned trip back to assigned with its new driver, and ignores the old driver's late copies", () => {
    const active = new ActiveTrips();
    active.apply(trip(4, 6, "en_route"));
    active.apply(trip(4, 8, "assigned", 1));
    expect(active.get(4)).toMatchObject({ driverId: 8, status: "assigned" });
    expect(active.forDriver(6)).toEqual([]);
    active.apply(trip(4, 6, "en_route"));
    expect(active.get(4)).toMatchObject({ driverId: 8, status: "assigned" });
    active.apply({ ...trip(4, 8, "assigned", 1), arrivalRadiusM: 250 });
    expect(active.get(4)?.arrivalRadiusM).toBe(250);
  });
});
