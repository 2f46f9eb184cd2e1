/** One source of `mergeStreams`: given the merged stream's signal, the items to interleave. */
export type MergeSource<T> = (signal: AbortSignal) => AsyncIterable<T>;

type Pulled<T> = { index: number; result: IteratorResult<T> } | { index: number; error: unknown };

/**
 * Interleaves several async iterables, yielding each item as soon as it arrives.
 *
 * The first source to end or fail ends the whole stream, at once: an error is thrown to the
 * consumer without waiting for the other sources to produce anything. Each source is built
 * with a signal that aborts when the merged stream ends for any reason (a source ended or
 * failed, the consumer stopped, `signal` aborted), and must end promptly when it does; the
 * merged stream's `finally` then returns every source, so no generator or listener outlives it.
 */
export async function* mergeStreams<T>(signal: AbortSignal | undefined, ...sources: MergeSource<T>[]): AsyncGenerator<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (signal?.aborted) abort();
  else signal?.addEventListener("abort", abort, { once: true });
  const iterators = sources.map((source) => source(controller.signal)[Symbol.asyncIterator]());
  // Each source has one `next()` out at a time; what settles is queued in arrival order and
  // wakes the loop. Settled results only: a source that fails after the merge has ended must
  // not become an unhandled rejection. (Not `Promise.race` over the pending pulls: every race
  // adds a reaction to a source that stays quiet, which it keeps until that source speaks.)
  const settled: Pulled<T>[] = [];
  let wake: (() => void) | null = null;
  const arrive = (pulled: Pulled<T>) => {
    settled.push(pulled);
    const waiting = wake;
    wake = null;
    waiting?.();
  };
  const pull = (index: number) => {
    iterators[index]!.next().then(
      (result) => arrive({ index, result }),
      (error: unknown) => arrive({ index, error }),
    );
  };
  iterators.forEach((_, index) => pull(index));
  try {
    for (;;) {
      while (settled.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const pulled = settled.shift()!;
      if ("error" in pulled) throw pulled.error;
      if (pulled.result.done) return;
      pull(pulled.index);
      yield pulled.result.value;
    }
  } finally {
    signal?.removeEventListener("abort", abort);
    abort();
    // A source waiting inside `next()` ends on the abort; its `return()` then settles.
    await Promise.allSettled(iterators.map(async (iterator) => iterator.return?.()));
  }
}
