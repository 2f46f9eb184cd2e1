import { describe, expect, it } from "vitest";
import type { TripView } from "@convoy/api";
import { MAX_QUEUED_POINTS, OfflineStore, STORAGE_KEY, withQueuedMoves, type KeyValueStorage, type QueuedAction } from "./offlineStore";

/** A Storage over a Map: the store's only dependency, so what it writes can be read back. */
function memoryStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

const driver = { id: 7, name: "Dana", email: "dana@convoy.test" };
const move = (key: string, status: "en_route" | "arrived"): QueuedAction => ({
  kind: "trip_status",
  key,
  queuedAt: 1,
  tripId: 3,
  status,
  label: status,
});

describe("the driver app's offline store", () => {
  it("keeps the queue across a reload (a new store on the same storage), each key once, in order", () => {
    const storage = memoryStorage();
    const store = new OfflineStore(storage);
    store.claim(driver);
    store.enqueue(move("a", "en_route"));
    store.enqueue(move("a", "en_route"));
    store.enqueue({ kind: "chat", key: "b", queuedAt: 2, offerId: 9, body: "At the gate" });
    const reloaded = new OfflineStore(storage);
    expect(reloaded.snapshot?.queue.map((action) => action.key)).toEqual(["a", "b"]);
    reloaded.done("a");
    reloaded.fail("b", "Offer not found");
    expect(reloaded.snapshot?.queue).toEqual([]);
    expect(reloaded.snapshot?.failed).toMatchObject([{ action: { key: "b" }, message: "Offer not found" }]);
  });

  it("belongs to one driver: another driver's sign-in drops it, a sign-out removes it from storage", () => {
    const storage = memoryStorage();
    const store = new OfflineStore(storage);
    store.claim(driver);
    store.enqueue(move("a", "en_route"));
    store.claim(driver);
    expect(store.snapshot?.queue).toHaveLength(1);
    store.claim({ id: 8, name: "Eli", email: "eli@convoy.test" });
    expect(store.snapshot).toMatchObject({ user: { id: 8 }, queue: [] });
    store.clear();
    expect(storage.data.has(STORAGE_KEY)).toBe(false);
    expect(new OfflineStore(storage).snapshot).toBeNull();
  });

  it("holds no token and keeps at most MAX_QUEUED_POINTS fixes, dropping the oldest", () => {
    const storage = memoryStorage();
    const store = new OfflineStore(storage);
    store.claim(driver);
    for (let i = 0; i < MAX_QUEUED_POINTS + 5; i++) store.addPoint({ lat: 41, lng: -87, recordedAt: i });
    expect(store.snapshot?.points).toHaveLength(MAX_QUEUED_POINTS);
    expect(store.snapshot?.points[0]?.recordedAt).toBe(5);
    expect(storage.data.get(STORAGE_KEY)).not.toMatch(/token/i);
  });

  it("shows a saved trip moved on by the queued steps for it", () => {
    const trip = { id: 3, status: "assigned" } as TripView;
    expect(withQueuedMoves(trip, [move("a", "en_route"), move("b", "arrived")]).status).toBe("arrived");
    expect(withQueuedMoves(trip, [])).toBe(trip);
  });
});
