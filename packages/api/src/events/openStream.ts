/**
 * A stream that is already listening: a subscription procedure opens its streams before it
 * returns, so that tRPC answers `started` only once every event from then on will arrive.
 */
export interface OpenStream<T> {
  /**
   * The stream's items. Returning its iterator (as tRPC does when the subscription ends, and
   * `mergeStreams` with each source) closes the stream first, which also wakes a read
   * waiting for items; a read that ends by itself closes it too.
   */
  read: (signal: AbortSignal | undefined) => AsyncIterable<T>;
  /**
   * The same items handed to `sink` synchronously as they come, instead of through `read`:
   * no promise, async step or iterator result per item, for a consumer that writes each item
   * the moment it has it (a socket's direct subscription). Called at most once, and never
   * with `read`. Absent for streams that are only read.
   */
  pipe?: (sink: StreamSink<T>) => void;
  /** Stops listening; idempotent. Needed only when neither `read` nor `pipe` is called. */
  close: () => void;
}

/** Where a piped stream puts its items (see `OpenStream.pipe`). */
export interface StreamSink<T> {
  /** One item. Must not throw: it runs inside whoever produced the item (the event pump, say). */
  item: (value: T) => void;
  /** The stream is over: `null` when it ended or was closed, what failed it otherwise. Called once; no item follows. */
  end: (error: unknown) => void;
}

/**
 * Iterates `iterable`, running `close` before its `return()`. tRPC returns a subscription's
 * iterator whenever it ends (stopped, socket closed, an error), including before the first
 * `next()`, when an async generator would not run its `finally`; and a generator waiting
 * inside `await` only takes the `return()` once something wakes it, which `close` does.
 *
 * No abort listener: each stays on the subscription's `AbortSignal` for as long as it is
 * open (about 150 bytes and its closure). `next()` passes straight through.
 */
class ClosingIterator<T> implements AsyncIterableIterator<T> {
  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly close: () => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    return this.iterator.next();
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return this.iterator.return ? this.iterator.return(value) : Promise.resolve({ done: true, value: undefined });
  }
}

/** `iterable` with `close` run when its iterator is returned; see `ClosingIterator`. */
export function closingWith<T>(iterable: AsyncIterable<T>, close: () => void): AsyncIterable<T> {
  return new ClosingIterator(iterable[Symbol.asyncIterator](), close);
}
