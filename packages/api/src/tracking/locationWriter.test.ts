import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { pino } from "pino";
import { LocationWriter, type LocationRow } from "./locationWriter";

const row = (recordedAt: number, driverId = 1): LocationRow => ({
  driverId,
  tripId: null,
  lat: 0,
  lng: 0,
  accuracyM: null,
  headingDeg: null,
  speedMps: null,
  recordedAt,
});

const logger = pino({ level: "silent" });

describe("LocationWriter", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("writes in order, in chunks, and retries a failed chunk without losing or repeating rows", async () => {
    const stored: number[] = [];
    let failNext = 1;
    const writer = new LocationWriter(
      async (rows) => {
        if (failNext-- > 0) throw new Error("MySQL is away");
        stored.push(...rows.map((r) => r.recordedAt));
      },
      logger,
      { flushIntervalMs: 250, rowsPerInsert: 3 },
    );
    writer.start();
    expect(writer.tryEnqueue([1, 2, 3, 4].map(row))).toBe(true);
    await vi.advanceTimersByTimeAsync(250);
    expect(stored).toEqual([]);
    expect(writer.pendingRows).toBe(4);
    writer.tryEnqueue([5].map(row));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(stored).toEqual([1, 2, 3, 4, 5]);
    expect(writer.pendingRows).toBe(0);
    await writer.stop();
  });

  it("drops only the rows MySQL refuses for their content, writes the rest, and retries transient failures", async () => {
    const stored: number[] = [];
    let statements = 0;
    let lockTimeouts = 1;
    // What mysql2 raises (wrapped by Drizzle) for a row whose driver is gone, or a lock wait.
    const mysqlError = (errno: number, message: string) =>
      Object.assign(new Error("Failed query"), { cause: Object.assign(new Error(message), { errno }) });
    const writer = new LocationWriter(
      async (rows) => {
        statements++;
        if (rows.some((r) => r.driverId === 99)) throw mysqlError(1452, "a foreign key constraint fails");
        if (lockTimeouts-- > 0) throw mysqlError(1205, "Lock wait timeout exceeded");
        stored.push(...rows.map((r) => r.recordedAt));
      },
      logger,
      { rowsPerInsert: 8 },
    );
    writer.tryEnqueue([row(1), row(2), row(3, 99), row(4), row(5), row(6, 99), row(7), row(8), row(9)]);
    await writer.flush();
    // The lock wait is transient: nothing dropped, everything still pending, in order.
    expect(writer.droppedRows).toBe(0);
    expect(writer.pendingRows).toBe(9);
    await writer.flush();
    expect(stored.sort((a, b) => a - b)).toEqual([1, 2, 4, 5, 7, 8, 9]);
    expect(writer.droppedRows).toBe(2);
    expect(writer.pendingRows).toBe(0);
    expect(statements).toBeLessThan(20);
  });

  it("writes, before a flush resolves, rows queued while an earlier write was under way", async () => {
    const stored: number[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let writes = 0;
    const writer = new LocationWriter(async (rows) => {
      if (writes++ === 0) await held;
      stored.push(...rows.map((r) => r.recordedAt));
    }, logger);
    writer.tryEnqueue([1].map(row));
    const first = writer.flush();
    writer.tryEnqueue([2].map(row));
    const second = writer.flush();
    writer.tryEnqueue([3].map(row));
    const third = writer.flush();
    release();
    await Promise.all([first, second, third]);
    expect(stored).toEqual([1, 2, 3]);
    expect(writes).toBe(2);
    expect(writer.pendingRows).toBe(0);
  });

  it("refuses rows past its bound instead of growing", async () => {
    const writer = new LocationWriter(() => Promise.reject(new Error("down")), logger, { maxBufferedRows: 5 });
    expect(writer.tryEnqueue([1, 2, 3].map(row))).toBe(true);
    expect(writer.tryEnqueue([4, 5, 6].map(row))).toBe(false);
    expect(writer.pendingRows).toBe(3);
    await writer.flush();
    expect(writer.pendingRows).toBe(3);
  });

  it("writes what is left on stop", async () => {
    const stored: number[] = [];
    const writer = new LocationWriter(async (rows) => void stored.push(...rows.map((r) => r.recordedAt)), logger, {
      flushIntervalMs: 60_000,
    });
    writer.start();
    writer.tryEnqueue([7, 8].map(row));
    await writer.stop();
    expect(stored).toEqual([7, 8]);
  });
});
