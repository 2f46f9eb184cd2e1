import { describe, expect, it } from "vitest";
import { sqlUtcDatetime } from "./sqlLiterals";

/** The plain formula the cached formatter must always agree with. */
const reference = (epochMs: number) => `'${new Date(epochMs).toISOString().slice(0, 23).replace("T", " ")}'`;

describe("sqlUtcDatetime", () => {
  it("formats like toISOString in UTC, across seconds, days and in any order", () => {
    const base = Date.UTC(2026, 10, 22, 23, 59, 58, 990);
    const samples = [base, base + 5, base + 10, base + 9, base + 1_010, base + 1_999, base + 2_000, base - 1, 0, 86_399_999, 1e12 + 7];
    for (let i = 0; i < 2_000; i++) samples.push(Math.floor(base + (Math.random() - 0.5) * 1e9));
    for (const epochMs of samples) expect(sqlUtcDatetime(epochMs)).toBe(reference(epochMs));
  });

  it("cuts a fractional millisecond off, as toISOString does", () => {
    expect(sqlUtcDatetime(Date.UTC(2026, 0, 2, 3, 4, 5, 6) + 0.9)).toBe("'2026-01-02 03:04:05.006'");
  });
});
