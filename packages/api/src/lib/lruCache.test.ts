import { describe, expect, it } from "vitest";
import { LruCache } from "./lruCache";

describe("LruCache", () => {
  it("forgets the least recently used entry first, and never holds more than its capacity", () => {
    const cache = new LruCache<string, number>(4);
    for (const [index, key] of ["a", "b", "c", "d"].entries()) cache.set(key, index);
    expect(cache.get("a")).toBe(0);
    cache.set("e", 4);
    expect(cache.size).toBe(4);
    expect(cache.peek("b")).toBeUndefined();
    expect([...cache.keys()].sort()).toEqual(["a", "c", "d", "e"]);
  });

  it("keeps an entry that is read while many others come and go", () => {
    const cache = new LruCache<number, string>(100);
    cache.set(-1, "hot");
    for (let key = 0; key < 10_000; key++) {
      cache.set(key, "cold");
      if (key % 40 === 0) expect(cache.get(-1)).toBe("hot");
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.get(-1)).toBe("hot");
    expect(cache.get(0)).toBeUndefined();
  });

  it("does not count a peek as a use", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.peek("a")).toBe(1);
    cache.set("c", 3);
    expect(cache.peek("a")).toBeUndefined();
    expect(cache.get("b")).toBe(2);
  });
});
