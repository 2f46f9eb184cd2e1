import { describe, expect, it } from "vitest";
import { BatchedLookup } from "./batchedLookup";

/** A lookup whose answers the test releases by hand, recording the keys of each call. */
function heldLookup() {
  const calls: { keys: number[]; release: () => void; fail: (error: Error) => void }[] = [];
  const lookUp = (keys: number[]) =>
    new Promise<Map<number, string>>((resolve, reject) => {
      calls.push({ keys, release: () => resolve(new Map(keys.filter((key) => key % 2 === 0).map((key) => [key, `value ${key}`]))), fail: reject });
    });
  return { calls, lookUp };
}

/** Lets queued microtasks and the lookup's start run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("BatchedLookup", () => {
  it("looks up the keys of one turn in one call, asks for a repeated key once, and answers absent keys undefined", async () => {
    const { calls, lookUp } = heldLookup();
    const lookup = new BatchedLookup(lookUp, 10);
    const answers = Promise.all([1, 2, 2, 3, 4].map((key) => lookup.get(key)));
    await settle();
    expect(calls.map((call) => call.keys)).toEqual([[1, 2, 3, 4]]);
    calls[0]!.release();
    expect(await answers).toEqual([undefined, "value 2", "value 2", undefined, "value 4"]);
    expect(lookup.stats()).toEqual({ lookups: 1, keys: 4 });
  });

  it("runs one lookup at a time: keys asked for meanwhile go in the next, at most maxKeys each", async () => {
    const { calls, lookUp } = heldLookup();
    const lookup = new BatchedLookup(lookUp, 2);
    const early = lookup.get(2);
    await settle();
    // 2 is being looked up: asking again joins it; 4, 6 and 8 wait for the next calls.
    const late = [2, 4, 6, 8].map((key) => lookup.get(key));
    await settle();
    expect(calls.map((call) => call.keys)).toEqual([[2]]);
    calls[0]!.release();
    expect(await early).toBe("value 2");
    expect(await late[0]).toBe("value 2");
    await settle();
    expect(calls.map((call) => call.keys)).toEqual([[2], [4, 6]]);
    calls[1]!.release();
    await settle();
    expect(calls.map((call) => call.keys)).toEqual([[2], [4, 6], [8]]);
    calls[2]!.release();
    expect(await Promise.all(late)).toEqual(["value 2", "value 4", "value 6", "value 8"]);
  });

  it("rejects every key of a failed lookup, and those asked for while it ran, with its error; looks them up again when asked", async () => {
    const { calls, lookUp } = heldLookup();
    const lookup = new BatchedLookup(lookUp, 10);
    const failed = [lookup.get(2), lookup.get(3)];
    await settle();
    // Asked for while the lookup runs: queued for the next, and failed with this one.
    failed.push(lookup.get(4));
    await settle();
    calls[0]!.fail(new Error("MySQL is away"));
    for (const answer of failed) await expect(answer).rejects.toThrow("MySQL is away");
    await settle();
    expect(calls.map((call) => call.keys)).toEqual([[2, 3]]);
    const retried = lookup.get(2);
    await settle();
    expect(calls.map((call) => call.keys)).toEqual([[2, 3], [2]]);
    calls[1]!.release();
    expect(await retried).toBe("value 2");
  });

  it("treats a lookup that throws before returning a promise as a failed lookup", async () => {
    const lookup = new BatchedLookup<number, string>(() => {
      throw new Error("bad statement");
    }, 10);
    await expect(lookup.get(1)).rejects.toThrow("bad statement");
    await expect(lookup.get(1)).rejects.toThrow("bad statement");
    expect(lookup.stats()).toEqual({ lookups: 2, keys: 2 });
  });
});
