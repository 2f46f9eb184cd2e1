import { type Database, sql } from "@convoy/db";
import type { Logger } from "pino";
import { CoalescedRun } from "../lib/coalescedRun";
import { sqlNumber, sqlUtcDatetime } from "../lib/sqlLiterals";

interface LastFix {
  lat: number;
  lng: number;
  /** Epoch ms. */
  recordedAt: number;
}

export interface DriverPositionSyncOptions {
  /** How often `drivers.lat/lng/position_at` are written, in ms; each driver at most this often. @default 5_000 */
  intervalMs?: number;
  /** Drivers per UPDATE statement. @default 500 */
  driversPerUpdate?: number;
}

/**
 * Keeps `drivers.lat`, `lng` and `position_at` close to the live position without a write per
 * report: the newest fix per driver is remembered and all of them are written in one
 * statement every `intervalMs`. Those columns serve SQL searches (nearest available driver)
 * where seconds of staleness do not matter; live views use `LatestPositions`.
 */
export class DriverPositionSync {
  private pending = new Map<number, LastFix>();
  private timer: NodeJS.Timeout | null = null;
  private readonly flushes = new CoalescedRun(
    () => this.writePending(),
    () => this.pending.size > 0,
  );
  private readonly intervalMs: number;
  private readonly driversPerUpdate: number;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    options: DriverPositionSyncOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 5_000;
    this.driversPerUpdate = options.driversPerUpdate ?? 500;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Remembers the driver's fix if it is the newest one seen. */
  note(driverId: number, fix: LastFix): void {
    const current = this.pending.get(driverId);
    if (!current || current.recordedAt < fix.recordedAt) {
      this.pending.set(driverId, { lat: fix.lat, lng: fix.lng, recordedAt: fix.recordedAt });
    }
  }

  /** Writes what is pending when it is called (after a write already under way). */
  flush(): Promise<void> {
    return this.flushes.run();
  }

  /** Stops the timer and writes what is left. Call before the pool closes. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending = new Map();
    try {
      for (let start = 0; start < batch.length; start += this.driversPerUpdate) {
        await this.update(batch.slice(start, start + this.driversPerUpdate));
      }
    } catch (error) {
      // Put back what failed unless a newer fix arrived meanwhile; the next run retries.
      for (const [driverId, fix] of batch) this.note(driverId, fix);
      this.logger.warn({ err: error, drivers: batch.length }, "updating drivers' last positions failed; will retry");
    }
  }

  /**
   * One UPDATE joined to the new values. `position_at` only moves forward, so an older fix
   * written late (another instance, a retry) never overwrites a newer one. Written as one
   * string of literals (see `sqlLiterals.ts`): it covers every driver that moved.
   */
  private async update(rows: [number, LastFix][]): Promise<void> {
    const values = rows
      .map(([driverId, fix], index) => {
        const id = sqlNumber(driverId);
        const lat = sqlNumber(fix.lat);
        const lng = sqlNumber(fix.lng);
        const at = `CAST(${sqlUtcDatetime(fix.recordedAt)} AS DATETIME(3))`;
        return index === 0 ? `SELECT ${id} AS user_id, ${lat} AS lat, ${lng} AS lng, ${at} AS position_at` : `SELECT ${id}, ${lat}, ${lng}, ${at}`;
      })
      .join(" UNION ALL ");
    await this.db.execute(
      sql.raw(`
      UPDATE drivers d JOIN (${values}) v ON d.user_id = v.user_id
      SET d.lat = v.lat, d.lng = v.lng, d.position_at = v.position_at
      WHERE d.position_at IS NULL OR d.position_at < v.position_at`),
    );
  }
}
