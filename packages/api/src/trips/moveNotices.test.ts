import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MoveNotices } from "./moveNotices";

describe("MoveNotices", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("tells every follower of a moved driver once per round, however often the driver moved", () => {
    const notices = new MoveNotices(50);
    const heard: string[] = [];
    notices.listen(1, () => heard.push("rider of 1"));
    notices.listen(1, () => heard.push("dispatcher of 1"));
    notices.listen(2, () => heard.push("rider of 2"));

    notices.moved(1);
    vi.advanceTimersByTime(20);
    notices.moved(1);
    notices.moved(2);
    expect(heard).toEqual([]);

    vi.advanceTimersByTime(30);
    expect(heard.sort()).toEqual(["dispatcher of 1", "rider of 1", "rider of 2"]);

    vi.advanceTimersByTime(200);
    expect(heard).toHaveLength(3);
  });

  it("starts a new round with the next move after one was delivered", () => {
    const notices = new MoveNotices(50);
    let heard = 0;
    notices.listen(7, () => heard++);
    notices.moved(7);
    vi.advanceTimersByTime(50);
    notices.moved(7);
    vi.advanceTimersByTime(49);
    expect(heard).toBe(1);
    vi.advanceTimersByTime(1);
    expect(heard).toBe(2);
  });

  it("arms no timer for a driver nobody follows", () => {
    const notices = new MoveNotices(50);
    notices.moved(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stops telling a listener that unsubscribed, and drops undelivered moves on stop", () => {
    const notices = new MoveNotices(50);
    let heard = 0;
    const stop = notices.listen(4, () => heard++);
    notices.listen(5, () => heard++);
    stop();
    notices.moved(4);
    notices.moved(5);
    notices.stop();
    vi.advanceTimersByTime(100);
    expect(heard).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("notifies at once when rounds are off (interval 0)", () => {
    const notices = new MoveNotices(0);
    let heard = 0;
    notices.listen(9, () => heard++);
    notices.moved(9);
    notices.moved(9);
    expect(heard).toBe(2);
  });
});
