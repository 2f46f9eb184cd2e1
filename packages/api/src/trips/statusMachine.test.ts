import { describe, expect, it } from "vitest";
import { tripStatuses } from "@convoy/db";
import { checkTransition, isLaterStatus, isLaterTripState, TRIP_TRANSITIONS } from "./statusMachine";

describe("trip status machine", () => {
  it("lets a driver make exactly the four forward steps", () => {
    const allowed = tripStatuses.flatMap((from) => tripStatuses.filter((to) => checkTransition(from, to, "driver").ok).map((to) => `${from}→${to}`));
    expect(allowed).toEqual(["assigned→en_route", "en_route→arrived", "arrived→in_progress", "in_progress→completed"]);
  });

  it("lets a rider cancel before the ride starts, a dispatcher until it ends, and nobody after", () => {
    const cancellable = (actor: "rider" | "dispatcher") => tripStatuses.filter((from) => checkTransition(from, "cancelled", actor).ok);
    expect(cancellable("rider")).toEqual(["requested", "assigned", "en_route", "arrived"]);
    expect(cancellable("dispatcher")).toEqual(["requested", "assigned", "en_route", "arrived", "in_progress"]);
    expect(TRIP_TRANSITIONS.completed).toEqual({});
    expect(TRIP_TRANSITIONS.cancelled).toEqual({});
  });

  it("explains a refusal, naming the allowed next step", () => {
    expect(checkTransition("assigned", "completed", "driver")).toEqual({
      ok: false,
      reason: "The trip is assigned and the driver has not set off, so it cannot become completed; from assigned it can only go to en_route",
    });
    expect(checkTransition("arrived", "arrived", "driver")).toEqual({ ok: false, reason: "The trip is waiting at the pickup already" });
  });

  it("orders statuses forward only, with cancelled after anything unfinished", () => {
    expect(isLaterStatus("arrived", "en_route")).toBe(true);
    expect(isLaterStatus("en_route", "arrived")).toBe(false);
    expect(isLaterStatus("cancelled", "in_progress")).toBe(true);
    expect(isLaterStatus("cancelled", "completed")).toBe(false);
    expect(isLaterStatus("completed", "cancelled")).toBe(false);
  });

  it("orders a reassigned trip's states by reassignments first, so going back to assigned is later", () => {
    expect(isLaterTripState({ status: "assigned", reassignments: 1 }, { status: "arrived", reassignments: 0 })).toBe(true);
    expect(isLaterTripState({ status: "in_progress", reassignments: 0 }, { status: "assigned", reassignments: 1 })).toBe(false);
    expect(isLaterTripState({ status: "en_route", reassignments: 1 }, { status: "assigned", reassignments: 1 })).toBe(true);
    expect(isLaterTripState({ status: "assigned", reassignments: 1 }, { status: "assigned", reassignments: 1 })).toBe(false);
    expect(isLaterTripState({ status: "assigned", reassignments: 2 }, { status: "completed", reassignments: 1 })).toBe(false);
  });
});
