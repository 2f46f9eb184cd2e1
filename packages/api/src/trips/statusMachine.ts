import type { TripStatus } from "@convoy/db";

/** The statuses a driver moves their own trip to, in order. */
export const DRIVER_STATUSES = ["en_route", "arrived", "in_progress", "completed"] as const;
export type DriverStatus = (typeof DRIVER_STATUSES)[number];

/** Who may cause a move: the driver, the rider or a dispatcher cancelling, or the system (award, no driver). */
export type TripActor = "driver" | "rider" | "dispatcher" | "system";

/**
 * Every allowed move, and who may make it. Anything not listed is refused. A rider may
 * cancel only before the ride starts; a dispatcher may cancel any trip that has not ended.
 */
export const TRIP_TRANSITIONS: Record<TripStatus, Partial<Record<TripStatus, readonly TripActor[]>>> = {
  requested: { assigned: ["system"], cancelled: ["rider", "dispatcher", "system"] },
  assigned: { en_route: ["driver"], cancelled: ["rider", "dispatcher"] },
  en_route: { arrived: ["driver", "system"], cancelled: ["rider", "dispatcher"] },
  arrived: { in_progress: ["driver"], cancelled: ["rider", "dispatcher"] },
  in_progress: { completed: ["driver"], cancelled: ["dispatcher"] },
  completed: {},
  cancelled: {},
};

/** Statuses from which nothing moves any more. */
export const FINAL_TRIP_STATUSES = ["completed", "cancelled"] as const satisfies readonly TripStatus[];

/** The column each status stamps with the time it was reached. */
export const STATUS_TIME_COLUMN = {
  requested: "requestedAt",
  assigned: "assignedAt",
  en_route: "enRouteAt",
  arrived: "arrivedAt",
  in_progress: "inProgressAt",
  completed: "completedAt",
  cancelled: "cancelledAt",
} as const satisfies Record<TripStatus, string>;

const PHRASE: Record<TripStatus, string> = {
  requested: "still looking for a driver",
  assigned: "assigned and the driver has not set off",
  en_route: "en route to the pickup",
  arrived: "waiting at the pickup",
  in_progress: "in progress",
  completed: "completed",
  cancelled: "cancelled",
};

export type TransitionCheck = { ok: true } | { ok: false; reason: string };

/** Whether `actor` may move a trip from `from` to `to`, and if not, a sentence saying why. */
export function checkTransition(from: TripStatus, to: TripStatus, actor: TripActor): TransitionCheck {
  const allowedActors = TRIP_TRANSITIONS[from][to];
  if (allowedActors?.includes(actor)) return { ok: true };
  if (from === to) return { ok: false, reason: `The trip is ${PHRASE[from]} already` };
  if (allowedActors) {
    return { ok: false, reason: `A ${actor} cannot move a trip from ${from} to ${to}` };
  }
  const next = Object.entries(TRIP_TRANSITIONS[from])
    .filter(([, actors]) => actors.includes(actor))
    .map(([status]) => status);
  const hint = next.length > 0 ? `; from ${from} it can only go to ${next.join(" or ")}` : "";
  return { ok: false, reason: `The trip is ${PHRASE[from]}, so it cannot become ${to}${hint}` };
}

/** Whether a status comes later in a trip's life; `cancelled` follows everything but `completed`. */
export function isLaterStatus(candidate: TripStatus, current: TripStatus): boolean {
  if (current === "completed" || current === "cancelled") return false;
  if (candidate === "cancelled") return true;
  return STATUS_ORDER.indexOf(candidate) > STATUS_ORDER.indexOf(current);
}

/** What orders two copies of one trip: its status, and how many times it was reassigned. */
export interface TripState {
  status: TripStatus;
  reassignments: number;
}

/**
 * Whether `candidate` is a later state of the trip than `current`. A reassignment can send a
 * trip back to `assigned` with its new driver, so the count of reassignments orders first
 * and the status second; nothing follows an ended trip.
 */
export function isLaterTripState(candidate: TripState, current: TripState): boolean {
  if (current.status === "completed" || current.status === "cancelled") return false;
  if (candidate.reassignments !== current.reassignments) return candidate.reassignments > current.reassignments;
  return isLaterStatus(candidate.status, current.status);
}

const STATUS_ORDER: readonly TripStatus[] = ["requested", "assigned", "en_route", "arrived", "in_progress", "completed"];
