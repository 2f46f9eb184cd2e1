import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PresenceDirectory } from "./directory";
import { LocalSockets, type LocalTransition } from "./localSockets";

describe("LocalSockets", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("goes offline a grace period after the last socket closes, and a reconnect within it is silent", () => {
    const transitions: LocalTransition[] = [];
    const sockets = new LocalSockets(1_000, (transition) => transitions.push(transition));
    sockets.opened(7, "driver");
    sockets.opened(7, "driver");
    sockets.closed(7);
    vi.advanceTimersByTime(5_000);
    expect(transitions.map((t) => t.online)).toEqual([true]);

    sockets.closed(7);
    vi.advanceTimersByTime(999);
    sockets.opened(7, "driver");
    vi.advanceTimersByTime(5_000);
    expect(transitions.map((t) => t.online)).toEqual([true]);

    sockets.closed(7);
    vi.advanceTimersByTime(1_000);
    expect(transitions.at(-1)).toEqual({ userId: 7, role: "driver", online: false, at: 11_999, lastSeenAt: 10_999 });
  });
});

describe("PresenceDirectory", () => {
  it("keeps a user online while any instance holds them", () => {
    const directory = new PresenceDirectory();
    const report = (instanceId: string, online: boolean) => directory.apply({ instanceId, userId: 1, role: "dispatcher", online, at: 5 });
    expect(report("a", true)).toMatchObject({ online: true });
    expect(report("b", true)).toBeNull();
    expect(report("a", false)).toBeNull();
    expect(directory.isOnline(1)).toBe(true);
    expect(report("b", false)).toMatchObject({ online: false });
    expect(report("b", false)).toBeNull();
    expect(directory.list()).toEqual([]);
  });

  it("says when a user who went offline was last connected, from the instance that held them last", () => {
    const directory = new PresenceDirectory();
    directory.apply({ instanceId: "a", userId: 3, role: "driver", online: true, at: 100 });
    directory.apply({ instanceId: "b", userId: 3, role: "driver", online: true, at: 200 });
    expect(directory.apply({ instanceId: "a", userId: 3, role: "driver", online: false, at: 900, lastSeenAt: 400 })).toBeNull();
    expect(directory.apply({ instanceId: "b", userId: 3, role: "driver", online: false, at: 1_500, lastSeenAt: 1_000 })).toEqual({
      userId: 3,
      role: "driver",
      online: false,
      at: 1_500,
      lastSeenAt: 1_000,
    });
  });
});

describe("PresenceDirectory.expireSilentInstances", () => {
  it("times another instance's silence from when this process could hear it again", () => {
    const directory = new PresenceDirectory();
    directory.applyHeartbeat({ instanceId: "b", at: 0, online: [{ userId: 2, role: "driver" }] }, 1_000);
    // The bus came back at 40 s: 39 s without a heartbeat, but only 5 s of it heard.
    expect(directory.expireSilentInstances(45_000, 15_000, 40_000)).toEqual([]);
    expect(directory.isOnline(2)).toBe(true);
    expect(directory.expireSilentInstances(55_001, 15_000, 40_000)).toEqual([{ userId: 2, role: "driver", online: false, at: 55_001 }]);
  });
});
