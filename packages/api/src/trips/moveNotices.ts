/**
 * Tells `tracking.onTrip` streams that their driver moved, in rounds: a move marks the
 * driver, and every `intervalMs` each marked driver's streams hear of it once.
 *
 * Why rounds: every notice becomes a frame and a socket write. Written the moment each
 * report lands, 500 riders are 500 writes scattered over the second, and on a VM each one
 * that wakes a sleeping reader costs about twice what the same write costs in a burst
 * (`bench/README.md`, "Rider frames in rounds"). A round also folds two reports of one
 * driver into one frame with the newer position. The price is up to `intervalMs` of added
 * latency, far inside the rider's 150 ms budget.
 */
export class MoveNotices {
  private readonly listeners = new Map<number, Set<() => void>>();
  private marked = new Set<number>();
  private timer: NodeJS.Timeout | null = null;

  /** @param intervalMs 0 notifies at once, without rounds */
  constructor(private readonly intervalMs: number) {}

  /** Calls `listener` after `driverId` moved; returns an unsubscribe function. */
  listen(driverId: number, listener: () => void): () => void {
    let listeners = this.listeners.get(driverId);
    if (!listeners) this.listeners.set(driverId, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.listeners.delete(driverId);
    };
  }

  /** Records that `driverId` moved; its listeners hear of it in the next round. */
  moved(driverId: number): void {
    // Most drivers have nobody following their trip; they cost one lookup.
    if (!this.listeners.has(driverId)) return;
    if (this.intervalMs === 0) {
      this.notify(driverId);
      return;
    }
    this.marked.add(driverId);
    this.timer ??= setTimeout(this.round, this.intervalMs);
  }

  /** Drops marks not yet delivered; listeners stay (their streams end on their own). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.marked.clear();
  }

  private readonly round = (): void => {
    this.timer = null;
    const marked = this.marked;
    this.marked = new Set();
    for (const driverId of marked) this.notify(driverId);
  };

  private notify(driverId: number): void {
    const listeners = this.listeners.get(driverId);
    if (listeners) for (const listener of listeners) listener();
  }
}
