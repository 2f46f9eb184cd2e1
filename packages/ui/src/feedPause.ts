/**
 * How long a feed that was flowing may fall silent before the screen says its data is
 * paused, in ms. Fleet frames come several times a second while drivers move. @default 10_000
 */
export const FEED_SILENCE_MS = 10_000;

/** When the last two updates of a live feed arrived (this browser's clock, epoch ms). */
export interface FeedTimes {
  lastAt: number | null;
  previousAt: number | null;
}

/** The times after one more update arrived at `at`. */
export function feedUpdated(times: FeedTimes, at: number): FeedTimes {
  return { lastAt: at, previousAt: times.lastAt };
}

/**
 * Since when the live data on screen may be out of date, or null while it is live (or before
 * anything arrived). It is paused while the socket is not connected, and when a feed that was
 * flowing (its last two updates less than `silenceMs` apart) has said nothing for `silenceMs`:
 * a feed that went quiet mid-stream is more likely cut off than finished. A feed that is only
 * ever quiet (an idle fleet, one update now and then) is not called paused.
 */
export function feedPausedSince(connected: boolean, times: FeedTimes, now: number, silenceMs = FEED_SILENCE_MS): number | null {
  const { lastAt, previousAt } = times;
  if (lastAt === null) return null;
  if (!connected) return lastAt;
  const wasFlowing = previousAt !== null && lastAt - previousAt < silenceMs;
  return wasFlowing && now - lastAt >= silenceMs ? lastAt : null;
}
