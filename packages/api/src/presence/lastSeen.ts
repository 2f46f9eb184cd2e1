import { type Database, sql } from "@convoy/db";
import type { Logger } from "pino";
import { CoalescedRun } from "../lib/coalescedRun";

/** Drivers per UPDATE statement. */
const DRIVERS_PER_UPDATE = 500;

export interface LastSeenWriterOptions {
  /** Least time between two writes of one driver's `last_seen_at` while connected, in ms. @default 30_000 */
  intervalMs?: number;
}

/**
 * Persists `drivers.last_seen_at`: for connected drivers at most once per `intervalMs`
 * (one batched UPDATE per tick), and promptly when a driver goes offline, with the time
 * their last socket closed.
 */
export class LastSeenWriter {
  private readonly lastWritten = new Map<number, number>();
  private pending = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushSoon: NodeJS.Timeout | null = null;
  private readonly flushes = new CoalescedRun(
    () => this.writePending(),
    () => this.pending.size > 0,
  );
  private readonly intervalMs: number;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    /** Drivers with an open socket on this instance right now. */
    private readonly connectedDrivers: () => number[],
    options: LastSeenWriterOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 30_000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.markConnected();
      void this.flush();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Records that `driverId` is connected now, unless written within the interval. */
  seen(driverId: number, at = Date.now()): void {
    const written = this.lastWritten.get(driverId);
    if (written !== undefined && at - written < this.intervalMs) return;
    this.pending.set(driverId, at);
    this.scheduleFlush();
  }

  /** Records the driver's final `last_seen_at` (their last socket closed at `at`). */
  wentOffline(driverId: number, at: number): void {
    this.pending.set(driverId, at);
    this.lastWritten.delete(driverId);
    this.scheduleFlush();
  }

  /** Writes what is pending when it is called (after a write already under way). */
  flush(): Promise<void> {
    return this.flushes.run();
  }

  /** Stops the timers and writes what is pending (the caller marks everyone offline first). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.flushSoon) clearTimeout(this.flushSoon);
    this.timer = null;
    this.flushSoon = null;
    await this.flush();
  }

  private markConnected(): void {
    const now = Date.now();
    for (const driverId of this.connectedDrivers()) this.seen(driverId, now);
  }

  private scheduleFlush(): void {
    if (this.flushSoon || !this.timer) return;
    // Coalesces a burst (a reconnect storm) into one statement.
    this.flushSoon = setTimeout(() => {
      this.flushSoon = null;
      void this.flush();
    }, 50);
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending = new Map();
    let written = 0;
    try {
      for (; written < batch.length; written += DRIVERS_PER_UPDATE) {
        await this.update(batch.slice(written, written + DRIVERS_PER_UPDATE));
      }
      for (const [driverId, at] of batch) this.lastWritten.set(driverId, at);
    } catch (error) {
      for (const [driverId, at] of batch.slice(written)) if (!this.pending.has(driverId)) this.pending.set(driverId, at);
      this.logger.warn({ err: error, drivers: batch.length - written }, "writing last_seen_at failed; will retry");
    }
  }

  /** One UPDATE joined to the new values; `last_seen_at` only moves forward. */
  private async update(rows: [number, number][]): Promise<void> {
    const values = sql.join(
      rows.map(([driverId, at], index) =>
        index === 0
          ? sql`SELECT ${driverId} AS user_id, CAST(${new Date(at)} AS DATETIME(3)) AS seen_at`
          : sql`SELECT ${driverId}, CAST(${new Date(at)} AS DATETIME(3))`,
      ),
      sql` UNION ALL `,
    );
    await this.db.execute(sql`
      UPDATE drivers d JOIN (${values}) v ON d.user_id = v.user_id
      SET d.last_seen_at = v.seen_at
      WHERE d.last_seen_at IS NULL OR d.last_seen_at < v.seen_at`);
  }
}
