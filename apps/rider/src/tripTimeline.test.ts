import { describe, expect, it } from "vitest";
import type { TripView } from "@convoy/api";
import { timelineSteps } from "./tripTimeline";

const base: TripView = {
  id: 7,
  kind: "ride",
  status: "requested",
  rider: { id: 30, name: "Rider 1" },
  driver: null,
  offerId: null,
  pickup: { address: "A", lat: 41.88, lng: -87.63 },
  dropoff: { address: "B", lat: 41.9, lng: -87.62 },
  distanceKm: 2.3,
  fareCents: 700,
  searchRing: 0,
  arrivalRadiusM: null,
  pickupPlaceId: null,
  dropoffPlaceId: null,
  reassignments: 0,
  vehicleClass: null,
  cancelReason: null,
  rating: null,
  ratingComment: null,
  requestedAt: "2026-01-01T10:00:00.000Z",
  assignedAt: null,
  enRouteAt: null,
  arrivedAt: null,
  inProgressAt: null,
  completedAt: null,
  cancelledAt: null,
  createdAt: "2026-01-01T10:00:00.000Z",
};

const reached = (trip: TripView, searchStartedAt: string | null = null) =>
  timelineSteps(trip, searchStartedAt).map((step) => `${step.key}:${step.at ? "yes" : "no"}`);

describe("rider timeline", () => {
  it("lists every step of a ride, the search from its event", () => {
    expect(reached(base, "2026-01-01T10:00:01.000Z")).toEqual([
      "requested:yes",
      "searching:yes",
      "assigned:no",
      "en_route:no",
      "arrived:no",
      "in_progress:no",
      "completed:no",
    ]);
  });

  it("counts a trip with a driver as searched even without the search event", () => {
    const assigned = { ...base, status: "assigned" as const, assignedAt: "2026-01-01T10:00:09.000Z" };
    expect(timelineSteps(assigned, null)[1]).toEqual({ key: "searching", label: "Searching for a driver", at: base.requestedAt });
  });

  it("ends a cancelled trip at the cancellation, leaving out what it never reached", () => {
    const noDriver = { ...base, status: "cancelled" as const, cancelReason: "no_driver", cancelledAt: "2026-01-01T10:00:00.500Z" };
    expect(reached(noDriver)).toEqual(["requested:yes", "cancelled:yes"]);
  });
});
