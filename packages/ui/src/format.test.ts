import { describe, expect, it } from "vitest";
import { formatClock, formatCountdown, formatDistance, formatMoney, formatTime, messagePreview, parseDollars, recipientStatusLabel } from "./format";
import { haversineKm, toLatLng } from "./geo";

describe("money", () => {
  it("reads dollars as people type them into integer cents", () => {
    expect(parseDollars("450")).toBe(45_000);
    expect(parseDollars(" $1,250.5 ")).toBe(125_050);
    expect(parseDollars("0.07")).toBe(7);
    expect(parseDollars(".5")).toBe(50);
    // Float dollars must not drift a cent: 19.99 * 100 is 1998.9999… in binary.
    expect(parseDollars("19.99")).toBe(1_999);
  });

  it("refuses what is not an amount", () => {
    for (const text of ["", "abc", "12abc", "-5", "1.2.3", "$"]) expect(parseDollars(text)).toBeNull();
  });

  it("formats cents as dollars", () => {
    expect(formatMoney(45_000)).toBe("$450.00");
    expect(formatMoney(125_050)).toBe("$1,250.50");
    expect(recipientStatusLabel("countered", 52_000)).toBe("Countered $520.00");
    expect(recipientStatusLabel("viewed")).toBe("Viewed");
  });
});

describe("time", () => {
  it("counts down in minutes:seconds under an hour and hours above", () => {
    expect(formatCountdown(61_000)).toBe("1:01");
    expect(formatCountdown(59 * 60_000 + 59_500)).toBe("1 h 00 min");
    expect(formatCountdown(2 * 3_600_000 + 5 * 60_000)).toBe("2 h 05 min");
    expect(formatCountdown(-5_000)).toBe("0:00");
  });

  it("shows the date only for messages from another day", () => {
    const now = new Date(2025, 2, 3, 15, 0);
    expect(formatTime(new Date(2025, 2, 3, 14, 5).toISOString(), now)).toBe("14:05");
    expect(formatTime(new Date(2025, 2, 1, 9, 30).toISOString(), now)).toBe("Mar 1, 09:30");
  });

  it("stamps live data to the second on a 24-hour clock", () => {
    expect(formatClock(new Date(2025, 2, 3, 9, 5, 7).getTime())).toBe("09:05:07");
    expect(formatClock(new Date(2025, 2, 3, 0, 0, 0).getTime())).toBe("00:00:00");
    expect(formatClock(new Date(2025, 2, 3, 23, 59, 59).getTime())).toBe("23:59:59");
  });

  it("cuts a long message to its first line for a toast", () => {
    expect(messagePreview("short\nsecond line")).toBe("short");
    expect(messagePreview("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
  });
});

describe("distance", () => {
  it("matches the server's haversine for the Loop to O'Hare", () => {
    const km = haversineKm({ lat: 41.8837, lng: -87.6278 }, { lat: 41.9742, lng: -87.9073 });
    expect(km).toBeCloseTo(25.217, 2);
    expect(formatDistance(km)).toBe("25.2 km (15.7 mi)");
  });

  it("accepts only finite coordinates in range", () => {
    expect(toLatLng(41.9, -87.6)).toEqual({ lat: 41.9, lng: -87.6 });
    expect(toLatLng(91, 0)).toBeNull();
    expect(toLatLng(0, Number.NaN)).toBeNull();
    expect(toLatLng(undefined, 0)).toBeNull();
  });
});
