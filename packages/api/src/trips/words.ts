import type { TripKind, TripStatus } from "@convoy/db";

/**
 * The words a trip is spoken of in, by kind: a ride carries a rider, a load carries freight
 * and has no rider. Every screen and server message that names a trip's people, steps or
 * buttons takes them from here, so a load never says "Waiting for the rider" and a ride
 * never says "Delivered". Browser-safe (behind `@convoy/api/schemas`).
 */
export interface TripWords {
  /** "ride" or "load". */
  noun: string;
  /** The trip as a title: "Ride #12", "Load #12". */
  title: (tripId: number) => string;
  /** Who the trip is for, as a label ("Rider"); null for a load, which has no such person. */
  partyLabel: string | null;
  /** Each status as people say it for this kind. */
  status: Record<TripStatus, string>;
  /** What the driver is doing in each active status: the driver app's headline. */
  driverPhase: Partial<Record<TripStatus, string>>;
  /** The driver's button for moving to each status. */
  driverAction: Record<"en_route" | "arrived" | "in_progress" | "completed", string>;
  /** The completion as a past participle in a sentence: "completed", "delivered". */
  completedWord: string;
  /** What the driver is told when it is done: "Trip completed", "Load delivered". */
  doneMessage: string;
  /** Whom the driver's position is shared with besides dispatch, in a sentence; null for a load. */
  sharedWith: string | null;
}

const RIDE_WORDS: TripWords = {
  noun: "ride",
  title: (tripId) => `Ride #${tripId}`,
  partyLabel: "Rider",
  status: {
    requested: "Requested",
    assigned: "Driver assigned",
    en_route: "En route",
    arrived: "Arrived",
    in_progress: "In progress",
    completed: "Completed",
    cancelled: "Cancelled",
  },
  driverPhase: {
    assigned: "Head to the pickup",
    en_route: "Driving to the pickup",
    arrived: "Waiting for the rider at the pickup",
    in_progress: "Driving to the dropoff",
  },
  driverAction: { en_route: "Start driving", arrived: "I've arrived", in_progress: "Start trip", completed: "Complete trip" },
  completedWord: "completed",
  doneMessage: "Trip completed",
  sharedWith: "your rider",
};

const LOAD_WORDS: TripWords = {
  noun: "load",
  title: (tripId) => `Load #${tripId}`,
  partyLabel: null,
  status: {
    requested: "Requested",
    assigned: "Driver assigned",
    en_route: "En route",
    arrived: "At pickup",
    in_progress: "In transit",
    completed: "Delivered",
    cancelled: "Cancelled",
  },
  driverPhase: {
    assigned: "Head to the pickup",
    en_route: "Driving to the pickup",
    arrived: "Loading at the pickup",
    in_progress: "Delivering to the dropoff",
  },
  driverAction: { en_route: "Start driving", arrived: "I'm at the pickup", in_progress: "Loaded: start delivery", completed: "Mark delivered" },
  completedWord: "delivered",
  doneMessage: "Load delivered",
  sharedWith: null,
};

/** The words for a trip of this kind. */
export function tripWords(kind: TripKind): TripWords {
  return kind === "load" ? LOAD_WORDS : RIDE_WORDS;
}
