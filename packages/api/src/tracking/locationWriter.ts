import { type Database, locations, sql } from "@convoy/db";
import type { Logger } from "pino";
import type { AcceptedPoint } from "./points";
import { CoalescedRun } from "../lib/coalescedRun";
import { isRowRefused, mysqlErrorOf, rootMessage } from "../lib/errors";
import { sqlInsertHead, sqlNumber as num, sqlUtcDatetime } from "../lib/sqlLiterals";

/** One breadcrumb waiting to be written. */
export interface LocationRow extends AcceptedPoint {
  driverId: number;
  tripId: number | null;
}

/** Writes rows in one statement; must be all-or-nothing and idempotent, and reject with the MySQL error. */
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
  /** Least time between two log lines about dropped rows (one per reason), in ms. @default 10_000 */
  dropLogIntervalMs?: number;
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

/** Why rows were dropped, for the log: MySQL's error number and sentence. */
interface DropSummary {
  rows: number;
  drivers: Set<number>;
  errno: number | undefined;
  reason: string;
}

/**
 * Buffers accepted points and writes them as multi-row INSERTs every `flushIntervalMs`.
 *
 * Failures are told apart by what MySQL said:
 * - A row MySQL refuses for what it holds (a foreign key to a deleted driver or trip, a
 *   value out of range: `isRowRefused`) can never be written. The statement is split in
 *   halves until the refused rows stand alone; they are dropped, counted (`droppedRows`)
 *   and logged with MySQL's reason, and every other row of the batch is written. Each
 *   refused row costs about 2·log2(rowsPerInsert) extra one-statement round trips.
 * - Anything else (connection lost, lock wait timeout, deadlock, MySQL down) is transient:
 *   the unwritten rows go back to the front of the buffer, in order, and the batch is
 *   retried with exponential backoff up to `maxRetryDelayMs`.
 *
 * So no row blocks another, and nothing is dropped that a retry could store. The buffer
 * is bounded: when MySQL has been down long enough to fill it, `tryEnqueue` refuses and
 * the caller tells the phone to retry later (phones keep their points), instead of the
 * server growing without limit. `stop` writes what is left and logs what it could not.
 */
export class LocationWriter {
  private buffer: LocationRow[] = [];
  private inFlight = 0;
  private readonly flushes = new CoalescedRun(
    () => this.writeBuffered(),
    () => this.failures === 0 && this.buffer.length > 0,
  );
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private retryAt = 0;
  private dropped = 0;
  private written = 0;
  private refused = 0;
  private drops = new Map<string, DropSummary>();
  private dropsLoggedAt = 0;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedRows: number;
  private readonly rowsPerInsert: number;
  private readonly maxRetryDelayMs: number;
  private readonly dropLogIntervalMs: number;

  constructor(
    private readonly write: WriteRows,
    private readonly logger: Logger,
    options: LocationWriterOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.maxBufferedRows = options.maxBufferedRows ?? 100_000;
    this.rowsPerInsert = options.rowsPerInsert ?? 1_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
    this.dropLogIntervalMs = options.dropLogIntervalMs ?? 10_000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (Date.now() >= this.retryAt) void this.flush();
    }, this.flushIntervalMs);
    // Shutdown flushes explicitly; the timer alone should not keep a process alive.
    this.timer.unref();
  }

  /** Rows accepted but not yet known to be written or dropped. */
  get pendingRows(): number {
    return this.buffer.length + this.inFlight;
  }

  /** Rows MySQL refused for their content and that were dropped, since start. */
  get droppedRows(): number {
    return this.dropped;
  }

  /** Rows written to MySQL, since start. */
  get writtenRows(): number {
    return this.written;
  }

  /** Rows `tryEnqueue` refused because the buffer was full, since start. */
  get refusedRows(): number {
    return this.refused;
  }

  /** Queues `rows` if they all fit; returns false (queuing none) if they do not. */
  tryEnqueue(rows: readonly LocationRow[]): boolean {
    if (this.pendingRows + rows.length > this.maxBufferedRows) {
      this.refused += rows.length;
      return false;
    }
    for (const row of rows) this.buffer.push(row);
    return true;
  }

  /**
   * Writes everything buffered when it is called (after a write already under way).
   * Resolves when done or on the first transient failure (the rest stays buffered).
   */
  flush(): Promise<void> {
    return this.flushes.run();
  }

  /**
   * Stops the timer and writes what is left, retrying for up to `timeoutMs`. Call before
   * the pool closes. Rows still unwritten then are logged as an error with their count,
   * drivers and time span. @param timeoutMs default 5_000
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.flush();
      if (this.buffer.length === 0 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** Math.min(this.failures, 4), 1_000)));
    }
    this.logDrops();
    if (this.buffer.length > 0) {
      const times = this.buffer.map((row) => row.recordedAt);
      this.logger.error(
        {
          rows: this.buffer.length,
          drivers: new Set(this.buffer.map((row) => row.driverId)).size,
          from: new Date(Math.min(...times)).toISOString(),
          to: new Date(Math.max(...times)).toISOString(),
        },
        "could not write buffered locations before shutdown; these points are lost unless the phones resend them",
      );
    }
  }

  private async writeBuffered(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    this.inFlight = batch.length;
    // Statements still to run, front first; a refused one is replaced by its two halves.
    const work: LocationRow[][] = [];
    for (let start = 0; start < batch.length; start += this.rowsPerInsert) work.push(batch.slice(start, start + this.rowsPerInsert));
    try {
      for (let chunk = work[0]; chunk; chunk = work[0]) {
        try {
          await this.write(chunk);
          work.shift();
          this.inFlight -= chunk.length;
          this.written += chunk.length;
        } catch (error) {
          if (!isRowRefused(error)) throw error;
          work.shift();
          if (chunk.length === 1) {
            this.noteDropped(chunk[0]!, error);
            this.inFlight -= 1;
          } else {
            const half = Math.ceil(chunk.length / 2);
            work.unshift(chunk.slice(0, half), chunk.slice(half));
          }
        }
      }
      if (this.failures > 0) this.logger.info({ failures: this.failures }, "location writes recovered");
      this.failures = 0;
    } catch (error) {
      // Unwritten rows go back in front of anything queued meanwhile, keeping order.
      this.buffer = work.flat().concat(this.buffer);
      this.failures++;
      const delay = Math.min(this.flushIntervalMs * 2 ** this.failures, this.maxRetryDelayMs);
      this.retryAt = Date.now() + delay;
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.logger.warn({ err: error, buffered: this.buffer.length, failures: this.failures }, "writing locations failed; will retry");
      }
    } finally {
      this.inFlight = 0;
      if (this.drops.size > 0 && Date.now() - this.dropsLoggedAt >= this.dropLogIntervalMs) this.logDrops();
    }
  }

  private noteDropped(row: LocationRow, error: unknown): void {
    this.dropped++;
    const errno = mysqlErrorOf(error)?.errno;
    const reason = rootMessage(error);
    const key = `${errno}:${reason}`;
    let summary = this.drops.get(key);
    if (!summary) this.drops.set(key, (summary = { rows: 0, drivers: new Set(), errno, reason }));
    summary.rows++;
    summary.drivers.add(row.driverId);
  }

  /** One line per reason since the last: a deleted driver still reporting must not flood the log. */
  private logDrops(): void {
    for (const { rows, drivers, errno, reason } of this.drops.values()) {
      this.logger.warn({ rows, driverIds: [...drivers].slice(0, 20), errno, reason }, "MySQL refused location rows; dropped them");
    }
    this.drops.clear();
    this.dropsLoggedAt = Date.now();
  }
}
