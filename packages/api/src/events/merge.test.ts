import { describe, expect, it } from "vitest";
import { mergeStreams } from "./merge";
import { BoundedQueue } from "./queue";

/** A source that yields nothing until its signal aborts, and records that it ended. */
function idleSource(ended: { value: boolean }) {
  return async function* (signal: AbortSignal): AsyncGenerator<string> {
    const queue = new BoundedQueue<string>(10);
    try {
      yield* queue.drain(signal);
    } finally {
      ended.value = true;
    }
  };
}

describe("mergeStreams", () => {
  it("passes a source's error on at once and ends the other source", async () => {
    const ended = { value: false };
    const merged = mergeStreams<string>(
      undefined,
      // eslint-disable-next-line require-yield
      async function* () {
        throw new Error("boom");
      },
      idleSource(ended),
    );
    await expect(merged.next()).rejects.toThrow("boom");
    expect(ended.value).toBe(true);
  });

  it("ends when either source ends, and ends the other", async () => {
    const ended = { value: false };
    const merged = mergeStreams<string>(
      undefined,
      async function* () {
        yield "only";
      },
      idleSource(ended),
    );
    expect(await merged.next()).toEqual({ done: false, value: "only" });
    expect(await merged.next()).toEqual({ done: true, value: undefined });
    expect(ended.value).toBe(true);
  });

  it("ends every source when the consumer's signal aborts", async () => {
    const first = { value: false };
    const second = { value: false };
    const controller = new AbortController();
    const merged = mergeStreams<string>(controller.signal, idleSource(first), idleSource(second));
    const waiting = merged.next();
    controller.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect([first.value, second.value]).toEqual([true, true]);
  });

  it("does not leave a later failure of another source unhandled", async () => {
    let fail!: (error: Error) => void;
    const late = new Promise<never>((_, reject) => (fail = reject));
    const merged = mergeStreams<string>(
      undefined,
      // eslint-disable-next-line require-yield
      async function* () {
        throw new Error("first");
      },
      async function* () {
        yield await late;
      },
    );
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const outcome = merged.next();
      // The second source ignores the signal: its failure is what lets the merge finish.
      fail(new Error("second"));
      await expect(outcome).rejects.toThrow("first");
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
