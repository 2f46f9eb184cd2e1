import { describe, expect, it } from "vitest";
import { CoalescedRun } from "./coalescedRun";

describe("CoalescedRun", () => {
  it("settles a call made during a run only after a follow-up run, which every such call shares", async () => {
    const queue: number[] = [];
    const written: number[][] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const flush = new CoalescedRun(
      async () => {
        const batch = queue.splice(0);
        if (written.length === 0) await held;
        written.push(batch);
      },
      () => queue.length > 0,
    );
    queue.push(1);
    const first = flush.run();
    queue.push(2);
    const second = flush.run();
    queue.push(3);
    const third = flush.run();
    expect(third).toBe(second);
    release();
    await Promise.all([first, second, third]);
    expect(written).toEqual([[1], [2, 3]]);
  });

  it("runs the follow-up after a run that failed, and the next call starts afresh", async () => {
    const queue: number[] = [];
    const written: number[] = [];
    let fail = true;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const flush = new CoalescedRun(
      async () => {
        const batch = queue.splice(0);
        if (fail) {
          fail = false;
          await held;
          throw new Error("MySQL is away");
        }
        written.push(...batch);
      },
      () => queue.length > 0,
    );
    queue.push(1);
    const first = flush.run();
    queue.push(2);
    const second = flush.run();
    release();
    await expect(first).rejects.toThrow("MySQL is away");
    await second;
    expect(written).toEqual([2]);
    queue.push(3);
    await flush.run();
    expect(written).toEqual([2, 3]);
  });

  it("runs no follow-up when nothing was queued meanwhile", async () => {
    let runs = 0;
    const flush = new CoalescedRun(
      async () => {
        runs++;
      },
      () => false,
    );
    await Promise.all([flush.run(), flush.run()]);
    expect(runs).toBe(1);
  });
});
