import { describe, expect, it } from "vitest";
import { formatDriverRating, formatEta, formatShortDistance, isOpenTrip, isTrackableTrip, tripStatusLabel } from "./tripFormat";

describe("trip formatting", () => {
  it("counts an ETA down in seconds while it is short", () => {
    expect(formatEta(0)).toBe("0 s");
    expect(formatEta(44.6)).toBe("45 s");
    expect(formatEta(65)).toBe("1 min 05 s");
    expect(formatEta(9 * 60 + 59)).toBe("9 min 59 s");
    expect(formatEta(25 * 60 + 10)).toBe("25 min");
    expect(formatEta(65 * 60)).toBe("1 h 05 min");
    expect(formatEta(-3)).toBe("0 s");
  });

  it("writes metres under a kilometre, kilometres with two decimals above", () => {
    expect(formatShortDistance(0.6854)).toBe("685 m");
    expect(formatShortDistance(2.3456)).toBe("2.35 km");
  });

  it("names statuses and ratings for people", () => {
    expect(tripStatusLabel("en_route")).toBe("En route");
    expect(tripStatusLabel("in_progress")).toBe("In progress");
    expect(formatDriverRating(null, 0)).toBe("New driver");
    expect(formatDriverRating(4.25, 12)).toBe("★ 4.3 (12)");
  });

  it("knows which statuses are still open and which have a driver to follow", () => {
    expect(isOpenTrip("requested")).toBe(true);
    expect(isOpenTrip("completed")).toBe(false);
    expect(isTrackableTrip("requested")).toBe(false);
    expect(isTrackableTrip("arrived")).toBe(true);
    expect(isTrackableTrip("cancelled")).toBe(false);
  });
});
