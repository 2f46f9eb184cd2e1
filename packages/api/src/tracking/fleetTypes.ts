import type { Availability } from "@convoy/db";
import type { LivePosition } from "./latestPositions";

/** One driver as the dispatcher's fleet map shows it. */
export interface FleetDriver {
  id: number;
  name: string;
  availability: Availability;
  /** Has an authenticated socket, or had one within the presence grace period. */
  online: boolean;
  /** Newest known position; null if the driver never reported one. */
  position: LivePosition | null;
}

/** A driver whose only change since the last frame is a new position. */
export interface FleetPositionChange {
  id: number;
  position: LivePosition;
}

/**
 * A driver in a frame: the whole `FleetDriver` when their name, availability or presence
 * changed (or the frame is their first), only `{ id, position }` when only the position did.
 * That is nearly every entry, and it is a third smaller than the whole driver.
 */
export type FleetDriverChange = FleetDriver | FleetPositionChange;

/**
 * What `tracking.onFleet` yields: first a `snapshot` of every driver, then `frame`s that
 * carry only the drivers that changed since the previous frame. `at` is the server clock
 * (epoch ms) when the frame was built. `applyFleetFrame` folds either into a map.
 */
export type FleetFrame = { kind: "snapshot"; at: number; drivers: FleetDriver[] } | { kind: "frame"; at: number; drivers: FleetDriverChange[] };

/** `change` applied on top of `earlier`: a position-only change keeps what `earlier` said about the rest. */
export function mergeFleetChange(earlier: FleetDriver, change: FleetDriverChange): FleetDriver;
export function mergeFleetChange(earlier: FleetDriverChange | undefined, change: FleetDriverChange): FleetDriverChange;
export function mergeFleetChange(earlier: FleetDriverChange | undefined, change: FleetDriverChange): FleetDriverChange {
  return earlier && !("name" in change) ? { ...earlier, position: change.position } : change;
}

/**
 * The fleet after `frame`: a snapshot replaces everything, a frame updates the drivers it
 * names. Returns a new map when anything changed, so React state can hold it.
 */
export function applyFleetFrame(fleet: ReadonlyMap<number, FleetDriver> | null, frame: FleetFrame): Map<number, FleetDriver> {
  if (frame.kind === "snapshot") return new Map(frame.drivers.map((driver) => [driver.id, driver]));
  const next = new Map(fleet ?? []);
  for (const change of frame.drivers) {
    const known = next.get(change.id);
    if (known) next.set(change.id, mergeFleetChange(known, change));
    // A position for a driver this view never had in full cannot be shown; the feed sends
    // every driver in full first, so this only skips what was never promised.
    else if ("name" in change) next.set(change.id, change);
  }
  return next;
}
