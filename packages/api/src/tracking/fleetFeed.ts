import { closingWith, type OpenStream } from "../events/openStream";
import { shareJson } from "../lib/sharedJson";
import type { ConnectionBacklog } from "../lib/socketBacklog";
import type { FleetDriver, FleetDriverChange, FleetFrame } from "./fleetTypes";
import type { LivePosition } from "./latestPositions";
import { FrameMailbox } from "./frameMailbox";

/** Where the feed reads the current state of drivers from. */
export interface FleetSource {
  /** The driver's current view, or null if they cannot be shown yet. */
  driver: (driverId: number) => FleetDriver | null;
  /** The driver's newest position, or null if none is known. */
  position: (driverId: number) => LivePosition | null;
  /** Every driver that can be shown. */
  all: () => FleetDriver[];
}

export interface FleetFeedOptions {
  /** Least time between two frames, in ms. @default 100 */
  frameIntervalMs?: number;
}

/** What the feed has sent since it started, for the server's metrics. */
export interface FleetFeedStats {
  /** Frames built (each goes to every subscriber). */
  frames: number;
  /** Driver changes handed to subscribers: a frame of 40 drivers to 50 subscribers counts 2,000. */
  deliveries: number;
  /** Frames merged into one still waiting for its subscriber (a slow reader); none is lost. */
  conflated: number;
}

/**
 * Conflates fleet changes once per process. Changes only mark a driver dirty; at most once
 * per `frameIntervalMs` one frame object is built with the current state of every dirty
 * driver and handed to every subscriber. Between bursts no timer runs, and the first change
 * after a quiet spell goes out at once instead of waiting for a tick.
 *
 * Because a frame carries each dirty driver's state at build time, and any later change
 * marks the driver dirty again, the last frame always holds every driver's final state.
 */
export class FleetFeed {
  /** Drivers for the next frame → whether more than their position changed. */
  private readonly dirty = new Map<number, boolean>();
  private readonly mailboxes = new Set<FrameMailbox>();
  private readonly frameIntervalMs: number;
  private lastFrameAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  // Plain fields bumped once per frame, never per subscriber: the fleet path's budget is
  // about 2 µs of server CPU per delivery.
  private frames = 0;
  private deliveries = 0;
  private conflated = 0;

  constructor(
    private readonly source: FleetSource,
    options: FleetFeedOptions = {},
  ) {
    this.frameIntervalMs = options.frameIntervalMs ?? 100;
  }

  /**
   * Puts the driver into the next frame: only their position when that is all that changed
   * (`"position"`), the whole driver otherwise.
   */
  markChanged(driverId: number, change: "position" | "driver" = "driver"): void {
    if (this.stopped) return;
    const wholeDriver = change === "driver" || this.dirty.get(driverId) === true;
    this.dirty.set(driverId, wholeDriver);
    this.schedule();
  }

  /** The current state of every driver, as a snapshot frame. */
  snapshot(): FleetFrame {
    return { kind: "snapshot", at: Date.now(), drivers: this.source.all() };
  }

  /**
   * A snapshot, then every frame built after it, as an open stream: the snapshot is taken
   * and the subscriber registered now, in the same turn, so no change falls between them and
   * none after this call is missed. `read` yields the snapshot, then the frames until
   * `close`. While `backlog` is behind, frames merge in the subscriber's mailbox (see
   * `FrameMailbox`).
   */
  open(backlog?: ConnectionBacklog | null): OpenStream<FleetFrame> {
    const mailbox = new FrameMailbox();
    const snapshot = this.snapshot();
    this.mailboxes.add(mailbox);
    if (this.stopped) mailbox.close();
    const close = () => {
      mailbox.close();
      this.mailboxes.delete(mailbox);
    };
    async function* read(signal: AbortSignal | undefined): AsyncGenerator<FleetFrame> {
      try {
        yield snapshot;
        yield* mailbox.drain(signal, backlog);
      } finally {
        close();
      }
    }
    return { read: (signal) => closingWith(read(signal), close), close };
  }

  /** How many streams are open. */
  get subscriberCount(): number {
    return this.mailboxes.size;
  }

  /** Counters since start; see `FleetFeedStats`. */
  get stats(): FleetFeedStats {
    return { frames: this.frames, deliveries: this.deliveries, conflated: this.conflated };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const mailbox of this.mailboxes) mailbox.close();
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    const wait = Math.max(0, this.lastFrameAt + this.frameIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.emit();
    }, wait);
  }

  private emit(): void {
    if (this.dirty.size === 0) return;
    const now = Date.now();
    // Timers may fire a millisecond early; the spacing between frames is a promise.
    if (now - this.lastFrameAt < this.frameIntervalMs) {
      this.schedule();
      return;
    }
    const changed = [...this.dirty];
    this.dirty.clear();
    if (this.mailboxes.size === 0) return;
    const drivers: FleetDriverChange[] = [];
    for (const [id, wholeDriver] of changed) {
      const change = wholeDriver ? this.source.driver(id) : this.positionChange(id);
      if (change) drivers.push(change);
    }
    if (drivers.length === 0) return;
    this.lastFrameAt = now;
    // Every dispatcher gets this one object, so its JSON is computed once for all of them.
    const frame: FleetFrame = shareJson({ kind: "frame", at: now, drivers });
    let conflated = 0;
    for (const mailbox of this.mailboxes) if (mailbox.offer(frame)) conflated++;
    this.frames++;
    this.deliveries += drivers.length * this.mailboxes.size;
    this.conflated += conflated;
  }

  private positionChange(driverId: number): FleetDriverChange | null {
    const position = this.source.position(driverId);
    return position ? { id: driverId, position } : null;
  }
}
