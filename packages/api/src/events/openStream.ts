/**
 * A stream that is already listening: a subscription procedure opens its streams before it
 * returns, so that tRPC answers `started` only once every event from then on will arrive.
 */
export interface OpenStream<T> {
  /** Yields the stream's items until `signal` aborts; closes the stream when it ends. */
  read: (signal: AbortSignal | undefined) => AsyncGenerator<T>;
  /** Stops listening; idempotent. Needed only when `read` is never iterated to its end. */
  close: () => void;
}

/**
 * `iterable`, with `close` run exactly once: when its iterator is returned, or `signal`
 * aborts, whichever comes first. For a subscription procedure that opens its listeners
 * before returning, so that tRPC answers `started` only once they listen: an async
 * generator returned before its first `next()` never runs its `finally`, and tRPC returns
 * it that way when the socket closed or the subscription was stopped in the meantime.
 * A source that ends or fails on its own closes itself (`OpenStream.read`).
 *
 * `next()` passes straight through: nothing is added per item.
 */
export function closingWith<T>(iterable: AsyncIterable<T>, close: () => void, signal: AbortSignal | undefined): AsyncIterable<T> {
  let closed = false;
  const closeOnce = () => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener("abort", closeOnce);
    close();
  };
  if (signal?.aborted) closeOnce();
  else signal?.addEventListener("abort", closeOnce, { once: true });
  return {
    [Symbol.asyncIterator]() {
      const iterator = iterable[Symbol.asyncIterator]();
      return {
        next: () => iterator.next(),
        async return(value?: unknown) {
          try {
            return iterator.return ? await iterator.return(value) : { done: true, value };
          } finally {
            closeOnce();
          }
        },
      } as AsyncIterator<T>;
    },
  };
}
