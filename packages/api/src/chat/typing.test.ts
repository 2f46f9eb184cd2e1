import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createInProcessBus } from "../events/bus";
import { TYPING_TTL_MS, TypingTracker, type TypingEvent } from "./typing";

const thread = { offerId: 7, driverId: 3, dispatcherId: 1 };

describe("TypingTracker", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "performance", "Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A tracker and what the dispatcher side hears. */
  function tracked() {
    const tracker = new TypingTracker(createInProcessBus());
    const heard: Pick<TypingEvent, "userId" | "typing">[] = [];
    const listener = tracker.listen(thread.dispatcherId, () => true);
    void (async () => {
      for await (const event of listener.read(undefined)) heard.push({ userId: event.userId, typing: event.typing });
    })();
    return { tracker, heard };
  }

  it("ends a state TTL after its last refresh, each typist on their own, and keeps no timer once nobody types", async () => {
    const { tracker, heard } = tracked();
    tracker.publish(thread, thread.driverId, true);
    await vi.advanceTimersByTimeAsync(TYPING_TTL_MS - 1_000);
    tracker.publish(thread, thread.driverId, true);
    tracker.publish(thread, 99, true);
    await vi.advanceTimersByTimeAsync(1_500);
    // Past the first notice's TTL, but refreshed since: still typing.
    expect(heard).toEqual([
      { userId: thread.driverId, typing: true },
      { userId: thread.driverId, typing: true },
      { userId: 99, typing: true },
    ]);
    tracker.publish(thread, 99, false);
    await vi.advanceTimersByTimeAsync(TYPING_TTL_MS);
    expect(heard.slice(3)).toEqual([
      { userId: 99, typing: false },
      { userId: thread.driverId, typing: false },
    ]);
    expect(vi.getTimerCount()).toBe(0);
    tracker.close();
  });

  it("hands a piped stream what came before the pipe, then each notice as it is published, and ends it when closed", () => {
    const tracker = new TypingTracker(createInProcessBus());
    const stream = tracker.listen(thread.dispatcherId, (event) => event.userId !== 42);
    tracker.publish(thread, thread.driverId, true);
    const heard: number[] = [];
    const ends: unknown[] = [];
    stream.pipe!({ item: (event) => heard.push(event.userId), end: (error) => ends.push(error) });
    expect(heard).toEqual([thread.driverId]);
    tracker.publish(thread, 99, true);
    tracker.publish(thread, 42, true);
    // Handed over during `publish`, with no promise in between.
    expect(heard).toEqual([thread.driverId, 99]);
    stream.close();
    tracker.publish(thread, 98, true);
    expect(heard).toEqual([thread.driverId, 99]);
    expect(ends).toEqual([null]);
    expect(tracker.listening).toBe(0);
    tracker.close();
  });

  it("ends a stream piped after it was closed at once, with nothing", () => {
    const tracker = new TypingTracker(createInProcessBus());
    const stream = tracker.listen(thread.dispatcherId, () => true);
    stream.close();
    const ends: unknown[] = [];
    stream.pipe!({ item: () => expect.unreachable(), end: (error) => ends.push(error) });
    expect(ends).toEqual([null]);
    tracker.close();
  });
});
