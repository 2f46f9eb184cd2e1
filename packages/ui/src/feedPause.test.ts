import { describe, expect, it } from "vitest";
import { feedPausedSince, feedUpdated, FEED_SILENCE_MS, type FeedTimes } from "./feedPause";

const NONE: FeedTimes = { lastAt: null, previousAt: null };
const flowing = feedUpdated(feedUpdated(NONE, 1_000), 2_000);

describe("feedPausedSince", () => {
  it("is live before anything arrived, whatever the socket says", () => {
    expect(feedPausedSince(false, NONE, 50_000)).toBeNull();
  });

  it("is paused from the last update while the socket is down", () => {
    expect(feedPausedSince(false, flowing, 2_100)).toBe(2_000);
    expect(feedPausedSince(true, flowing, 2_100)).toBeNull();
  });

  it("is paused when a flowing feed goes silent, and live again with the next update", () => {
    expect(feedPausedSince(true, flowing, 2_000 + FEED_SILENCE_MS - 1)).toBeNull();
    expect(feedPausedSince(true, flowing, 2_000 + FEED_SILENCE_MS)).toBe(2_000);
    const resumed = feedUpdated(flowing, 2_000 + FEED_SILENCE_MS + 500);
    expect(feedPausedSince(true, resumed, 2_000 + FEED_SILENCE_MS + 600)).toBeNull();
  });

  it("does not call a feed that is only ever quiet paused", () => {
    const quiet = feedUpdated(feedUpdated(NONE, 0), 60_000);
    expect(feedPausedSince(true, quiet, 200_000)).toBeNull();
    expect(feedPausedSince(true, feedUpdated(NONE, 0), 200_000)).toBeNull();
  });
});
