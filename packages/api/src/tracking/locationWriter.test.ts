import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { pino } from "pino";
import { LocationWriter, type LocationRow } from "./locationWriter";

const row = (recordedAt: number): LocationRow => ({
  driverId: 1,
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
