import { type Database, locations, sql } from "@convoy/db";
import type { Logger } from "pino";
import type { AcceptedPoint } from "./points";
import { sqlInsertHead, sqlNumber as num, sqlUtcDatetime } from "../lib/sqlLiterals";

/** One breadcrumb waiting to be written. */
export interface LocationRow extends AcceptedPoint {
  driverId: number;
  tripId: number | null;
}

/** Writes rows in one statement; must be all-or-nothing and idempotent. */
export type WriteRows = (rows: readonly LocationRow[]) => Promise<void>;

export interface LocationWriterOptions {
  /** How often the buffer is flushed, in ms. @default 250 */
  flushIntervalMs?: number;
  /** Most rows held in memory (waiting or being written); past it reports are refused. @default 100_000 */
  maxBufferedRows?: number;
  /** Rows per INSERT statement. @default 1_000 */
  rowsPerInsert?: number;
  /** Longest wait between retries while MySQL keeps failing, in ms. @default 5_000 */
  maxRetryDelayMs?: number;
}

const INSERT_HEAD = sqlInsertHead(locations, [
  locations.driverId,
  locations.tripId,
  locations.lat,
  locations.lng,
  locations.accuracyM,
  locations.headingDeg,
  locations.speedMps,
  locations.recordedAt,
]);
const INSERT_TAIL = ` ON DUPLICATE KEY UPDATE \`${locations.id.name}\` = \`${locations.id.name}\``;

/**
 * A multi-row INSERT into `locations`. (driver_id, recorded_at) is unique and a duplicate is
 * a no-op, so retrying a statement whose outcome was unknown (connection lost after commit)
 * cannot store a point twice.
 * Written as one string of literals (see `sqlLiterals.ts`).
 */
export function insertLocations(db: Database): WriteRows {
  return async (rows) => {
    const values = rows.map(
      (row) =>
        `(${num(row.driverId)},${num(row.tripId)},${num(row.lat)},${num(row.lng)},${num(row.accuracyM)},${num(row.headingDeg)},${num(row.speedMps)},${sqlUtcDatetime(row.recordedAt)})`,
    );
    await db.execute(sql.raw(INSERT_HEAD + values.join(",") + INSERT_TAIL));
  };
}

/**
 * Buffers accepted points and writes them as multi-row INSERTs every `flushIntervalMs`.
 * A failed write keeps its rows at the front of the buffer and is retried with backoff,
 * in order; nothing is dropped. The buffer is bounded: when MySQL has been down long
 * enough to fill it, `tryEnqueue` refuses and the caller tells the phone to retry later
 * (phones keep their points), instead of the server growing without limit.
 */
export class LocationWriter {
  private buffer: LocationRow[] = [];
  private inFlight = 0;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private retryAt = 0;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedRows: number;
  private readonly rowsPerInsert: number;
  private readonly maxRetryDelayMs: number;

  constructor(
    private readonly write: WriteRows,
    private readonly logger: Logger,
    options: LocationWriterOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.maxBufferedRows = options.maxBufferedRows ?? 100_000;
    this.rowsPerInsert = options.rowsPerInsert ?? 1_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (Date.now() >= this.retryAt) void this.flush();
    }, this.flushIntervalMs);
    // Shutdown flushes explicitly; the timer alone should not keep a process alive.
    this.timer.unref();
  }

  /** Rows accepted but not yet known to be written. */
  get pendingRows(): number {
    return this.buffer.length + this.inFlight;
  }

  /** Queues `rows` if they all fit; returns false (queuing none) if they do not. */
  tryEnqueue(rows: readonly LocationRow[]): boolean {
    if (this.pendingRows + rows.length > this.maxBufferedRows) return false;
    for (const row of rows) this.buffer.push(row);
    return true;
  }

  /**
   * Writes everything buffered now. Resolves when done or on the first failure (the rest
   * stays buffered). Concurrent calls share one run.
   */
  flush(): Promise<void> {
    this.flushing ??= this.writeBuffered().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /**
   * Stops the timer and writes what is left, retrying for up to `timeoutMs`. Call before
   * the pool closes. @param timeoutMs default 5_000
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.flush();
      if (this.buffer.length === 0 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (this.buffer.length > 0) {
      this.logger.error({ rows: this.buffer.length }, "could not write buffered locations before shutdown");
    }
  }

  private async writeBuffered(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    this.inFlight = batch.length;
    let written = 0;
    try {
      while (written < batch.length) {
        const chunk = batch.slice(written, written + this.rowsPerInsert);
        await this.write(chunk);
        written += chunk.length;
        this.inFlight = batch.length - written;
      }
      if (this.failures > 0) this.logger.info({ failures: this.failures }, "location writes recovered");
      this.failures = 0;
    } catch (error) {
      // Unwritten rows go back in front of anything queued meanwhile, keeping order.
      this.buffer = batch.slice(written).concat(this.buffer);
      this.failures++;
      const delay = Math.min(this.flushIntervalMs * 2 ** this.failures, this.maxRetryDelayMs);
      this.retryAt = Date.now() + delay;
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.logger.warn({ err: error, buffered: this.buffer.length, failures: this.failures }, "writing locations failed; will retry");
      }
    } finally {
      this.inFlight = 0;
    }
  }
}
