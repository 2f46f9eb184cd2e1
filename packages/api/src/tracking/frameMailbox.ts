import type { ConnectionBacklog } from "../lib/socketBacklog";
import { mergeFleetChange, type FleetDriverChange, type FleetFrame } from "./fleetTypes";

/**
 * One subscriber's inbox for fleet frames, holding at most one frame. A subscriber that
 * keeps up receives the shared frame object as built; one that falls behind gets the
 * frames it missed merged into one (newest state per driver; a later position-only change
 * keeps an earlier change's name, availability and presence), so memory stays bounded by
 * the number of drivers however slow it is.
 *
 * A subscriber falls behind either because its generator is slow to be pulled or because
 * its connection's reader is: while the connection's `backlog` is behind, `drain` takes
 * nothing, so frames keep merging here instead of queueing on the socket, and the reader
 * gets the newest state once it has caught up.
 */
export class FrameMailbox {
  private pending: FleetFrame | null = null;
  /** Set once a second frame arrives before the first was taken. */
  private merged: Map<number, FleetDriverChange> | null = null;
  private wake: (() => void) | null = null;
  private closed = false;

  /** Puts `frame` in the inbox; returns true when it was merged into one still waiting (conflated). */
  offer(frame: FleetFrame): boolean {
    if (this.closed) return false;
    const conflated = this.pending !== null;
    if (!this.pending) {
      this.pending = frame;
    } else {
      this.merged ??= new Map(this.pending.drivers.map((driver) => [driver.id, driver]));
      for (const change of frame.drivers) this.merged.set(change.id, mergeFleetChange(this.merged.get(change.id), change));
      this.pending = { kind: "frame", at: frame.at, drivers: [] };
    }
    this.notify();
    return conflated;
  }

  /** Ends `drain` after what is pending. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  private take(): FleetFrame | null {
    const frame = this.pending;
    if (!frame) return null;
    const merged = this.merged;
    this.pending = null;
    this.merged = null;
    return merged ? { kind: "frame", at: frame.at, drivers: [...merged.values()] } : frame;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Yields frames until `close()` or `signal` aborts, holding them while `backlog` is behind. */
  async *drain(signal?: AbortSignal, backlog?: ConnectionBacklog | null): AsyncGenerator<FleetFrame> {
    const onAbort = () => this.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        if (backlog?.behind && !signal?.aborted) {
          await backlog.caughtUp(signal);
          continue;
        }
        const frame = this.take();
        if (frame) {
          yield frame;
          continue;
        }
        if (this.closed || signal?.aborted) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
