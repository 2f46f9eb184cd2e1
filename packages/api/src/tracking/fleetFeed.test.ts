import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FleetFeed } from "./fleetFeed";
import { applyFleetFrame, type FleetDriver, type FleetFrame } from "./fleetTypes";

function fakeFleet() {
  const drivers = new Map<number, FleetDriver>();
  const move = (id: number, lat: number) =>
    drivers.set(id, {
      id,
      name: `driver ${id}`,
      availability: "available",
      online: true,
      position: { lat, lng: 0, accuracyM: null, headingDeg: null, speedMps: null, recordedAt: lat, receivedAt: lat },
    });
  const setAvailability = (id: number, availability: FleetDriver["availability"]) => {
    const driver = drivers.get(id);
    if (driver) drivers.set(id, { ...driver, availability });
  };
  const feed = new FleetFeed({
    driver: (id) => drivers.get(id) ?? null,
    position: (id) => drivers.get(id)?.position ?? null,
    all: () => [...drivers.values()],
  });
  return { feed, move, setAvailability };
}

/** A subscriber's frames, as `tracking.onFleet` reads them. */
const streamOf = (feed: FleetFeed): AsyncIterator<FleetFrame> => feed.open().read(undefined)[Symbol.asyncIterator]();

/** Pulls frames from a stream into an array as they come. */
function reader(stream: AsyncIterator<FleetFrame>) {
  const frames: FleetFrame[] = [];
  let pulling = false;
  const pull = async () => {
    if (pulling) return;
    pulling = true;
    for (;;) {
      const next = await stream.next();
      if (next.done) return;
      frames.push(next.value);
    }
  };
  void pull();
  return frames;
}

describe("FleetFeed", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("listens from open, before anything is read, and forgets a subscriber once closed", async () => {
    const { feed, move } = fakeFleet();
    move(1, 1);
    const opened = feed.open();
    expect(feed.subscriberCount).toBe(1);
    // Changed after the snapshot was taken and before the stream is read: in its first frame.
    move(1, 2);
    feed.markChanged(1, "position");
    await vi.advanceTimersByTimeAsync(0);
    const stream = opened.read(undefined)[Symbol.asyncIterator]();
    expect((await stream.next()).value).toEqual(expect.objectContaining({ kind: "snapshot", drivers: [expect.objectContaining({ id: 1 })] }));
    expect((await stream.next()).value).toEqual({
      kind: "frame",
      at: expect.any(Number),
      drivers: [{ id: 1, position: expect.objectContaining({ lat: 2 }) }],
    });

    const waiting = stream.next();
    opened.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(feed.subscriberCount).toBe(0);
    feed.stop();
  });

  it("sends a snapshot, then at most one frame per 100 ms holding each changed driver's latest state", async () => {
    const { feed, move } = fakeFleet();
    move(1, 1);
    const frames = reader(streamOf(feed));
    await vi.advanceTimersByTimeAsync(0);
    expect(frames).toEqual([expect.objectContaining({ kind: "snapshot", drivers: [expect.objectContaining({ id: 1 })] })]);

    for (let step = 0; step < 50; step++) {
      move(1, 100 + step);
      move(2, 200 + step);
      feed.markChanged(1);
      feed.markChanged(2);
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(200);

    const changes = frames.slice(1);
    // 500 ms of changes: the first goes out at once, then one per 100 ms.
    expect(changes.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < changes.length; i++) expect(changes[i]!.at - changes[i - 1]!.at).toBeGreaterThanOrEqual(100);
    const final = changes.at(-1)!;
    expect(final.drivers.map((driver) => [driver.id, driver.position?.lat])).toEqual([
      [1, 149],
      [2, 249],
    ]);
    feed.stop();
  });

  it("builds one frame object for every subscriber", async () => {
    const { feed, move } = fakeFleet();
    const a = reader(streamOf(feed));
    const b = reader(streamOf(feed));
    await vi.advanceTimersByTimeAsync(0);
    move(3, 3);
    feed.markChanged(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(a[1]).toBeDefined();
    expect(a[1]).toBe(b[1]);
    feed.stop();
  });

  it("merges frames for a subscriber that has not taken the previous one", async () => {
    const { feed, move } = fakeFleet();
    const stream = streamOf(feed);
    await stream.next();
    move(1, 1);
    feed.markChanged(1);
    await vi.advanceTimersByTimeAsync(100);
    move(2, 2);
    feed.markChanged(2);
    await vi.advanceTimersByTimeAsync(100);
    move(1, 11);
    feed.markChanged(1);
    await vi.advanceTimersByTimeAsync(100);

    const merged = (await stream.next()).value as FleetFrame;
    expect(merged.drivers.map((driver) => [driver.id, driver.position?.lat])).toEqual([
      [1, 11],
      [2, 2],
    ]);
    feed.stop();
    expect((await stream.next()).done).toBe(true);
  });

  it("sends only the position when only the position changed, and the whole driver otherwise", async () => {
    const { feed, move, setAvailability } = fakeFleet();
    move(1, 1);
    move(2, 2);
    const frames = reader(streamOf(feed));
    await vi.advanceTimersByTimeAsync(0);
    move(1, 10);
    feed.markChanged(1, "position");
    move(2, 20);
    feed.markChanged(2, "position");
    setAvailability(2, "busy");
    feed.markChanged(2);
    await vi.advanceTimersByTimeAsync(100);

    const frame = frames[1]!;
    expect(frame.drivers).toEqual([
      { id: 1, position: expect.objectContaining({ lat: 10 }) },
      expect.objectContaining({ id: 2, name: "driver 2", availability: "busy", position: expect.objectContaining({ lat: 20 }) }),
    ]);
    const fleet = frames.reduce<Map<number, FleetDriver> | null>((state, next) => applyFleetFrame(state, next), null);
    expect(fleet?.get(1)).toMatchObject({ name: "driver 1", availability: "available", position: { lat: 10 } });
    expect(fleet?.get(2)).toMatchObject({ availability: "busy", position: { lat: 20 } });
    feed.stop();
  });

  it("keeps a whole-driver change when a slow subscriber's frames are merged with a later position", async () => {
    const { feed, move, setAvailability } = fakeFleet();
    move(1, 1);
    const stream = streamOf(feed);
    await stream.next();
    setAvailability(1, "busy");
    feed.markChanged(1);
    await vi.advanceTimersByTimeAsync(100);
    move(1, 5);
    feed.markChanged(1, "position");
    await vi.advanceTimersByTimeAsync(100);

    const merged = (await stream.next()).value as FleetFrame;
    expect(merged.drivers).toEqual([expect.objectContaining({ id: 1, availability: "busy", position: expect.objectContaining({ lat: 5 }) })]);
    feed.stop();
  });
});
