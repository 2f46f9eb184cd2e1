import type { LivePosition } from "../events/channels";

/** A driver's newest known position, as every live view shows it (and as the bus carries it). */
export type { LivePosition } from "../events/channels";

export type PositionListener = (driverId: number, position: LivePosition) => void;

/**
 * The newest position of every driver, in memory, so the fleet stream and ETA never read
 * MySQL. Fed from the bus, so with Redis every instance holds the same view. Positions
 * only move forward in `recordedAt`: a late, older batch (a phone that was offline) is
 * stored in `locations` but does not move the driver backwards on the map.
 */
export class LatestPositions {
  private readonly byDriver = new Map<number, LivePosition>();
  private readonly listeners = new Set<PositionListener>();

  /** The driver's newest position, or undefined if none is known. */
  get(driverId: number): LivePosition | undefined {
    return this.byDriver.get(driverId);
  }

  /** Stores `position` if it is newer than what is known; returns whether it was. */
  apply(driverId: number, position: LivePosition): boolean {
    const current = this.byDriver.get(driverId);
    if (current && current.recordedAt >= position.recordedAt) return false;
    this.byDriver.set(driverId, position);
    for (const listener of this.listeners) listener(driverId, position);
    return true;
  }

  /**
   * Calls `listener` on every instance for every position that moved a driver forward.
   * This is where live consumers (the fleet feed, a trip's ETA) hook in. Returns an
   * unsubscribe function.
   */
  onChange(listener: PositionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
