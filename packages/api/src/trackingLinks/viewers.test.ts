import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Database } from "@convoy/db";
import { pino } from "pino";
import { createInProcessBus } from "../events/bus";
import { trackingLinkSettings } from "./settings";
import { TrackingLinkViewers } from "./viewers";

/** Viewers on an in-process bus; nothing here reaches the database (the re-check is never started). */
function viewers(options: Parameters<typeof trackingLinkSettings>[0] = {}) {
  const bus = createInProcessBus();
  const registry = new TrackingLinkViewers(
    { db: null as unknown as Database, bus, logger: pino({ level: "silent" }) },
    trackingLinkSettings(options),
  );
  return { registry, bus };
}

describe("TrackingLinkViewers", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("ends a link's viewers at its expiry, and only that link's", () => {
    const { registry } = viewers();
    const early = registry.open({ id: 1, expiresAt: 1_000 }, "a");
    const late = registry.open({ id: 2, expiresAt: 5_000 }, "a");
    vi.advanceTimersByTime(999);
    expect(early.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect([early.signal.aborted, early.ended]).toEqual([true, "expired"]);
    expect([late.signal.aborted, late.ended]).toEqual([false, null]);
  });

  it("ends viewers revoked here or on another instance, and one that opened after the end at once", () => {
    const { registry } = viewers();
    const other = viewers();
    const here = registry.open({ id: 3, expiresAt: 60_000 }, "a");
    registry.revoked([3]);
    expect(here.ended).toBe("revoked");
    // Its lookup raced the revocation: it joins a link that already ended.
    const late = registry.open({ id: 3, expiresAt: 60_000 }, "b");
    expect([late.signal.aborted, late.ended]).toEqual([true, "revoked"]);
    // The message another instance would hear on the bus.
    const elsewhere = other.registry.open({ id: 3, expiresAt: 60_000 }, "a");
    other.registry.start();
    other.bus.publish("convoy:tracking-links-revoked", { linkIds: [3] });
    expect(elsewhere.ended).toBe("revoked");
    other.registry.stop();
  });

  it("caps viewers per link and per address, and gives places back on release", () => {
    const { registry } = viewers({ maxViewersPerLink: 2, maxViewersPerAddress: 3 });
    const first = registry.open({ id: 1, expiresAt: 60_000 }, "a");
    registry.open({ id: 1, expiresAt: 60_000 }, "b");
    expect(() => registry.open({ id: 1, expiresAt: 60_000 }, "c")).toThrow(/Too many people are watching/);
    first.release();
    first.release();
    registry.open({ id: 1, expiresAt: 60_000 }, "c");
    registry.open({ id: 2, expiresAt: 60_000 }, "a");
    registry.open({ id: 3, expiresAt: 60_000 }, "a");
    registry.open({ id: 4, expiresAt: 60_000 }, "a");
    expect(() => registry.open({ id: 5, expiresAt: 60_000 }, "a")).toThrow(/Too many tracking pages are open from your address/);
    expect(registry.size).toBe(5);
  });
});
