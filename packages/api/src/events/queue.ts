/** Why a `BoundedQueue` failed: its consumer fell `limit` items behind. */
export class QueueOverflowError extends Error {
  constructor(limit: number) {
    super(`subscriber fell ${limit} events behind; reconnect to resume`);
    this.name = "QueueOverflowError";
  }
}

/**
 * A bounded single-consumer queue that an async generator drains. Producers never block:
 * when a consumer falls `limit` items behind, the queue fails, the subscription ends with
 * an error, and the client resumes from the durable log instead of the server buffering
 * without bound.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  private readonly failListeners = new Set<() => void>();
  private ended = false;

  constructor(private readonly limit: number) {}

  push(item: T): void {
    if (this.ended || this.failure) return;
    if (this.items.length >= this.limit) {
      this.fail(new QueueOverflowError(this.limit));
      return;
    }
    this.items.push(item);
    this.notify();
  }

  fail(error: Error): void {
    this.failure = error;
    this.notify();
    for (const listener of this.failListeners) listener();
    this.failListeners.clear();
  }

  /** True once the consumer fell `limit` items behind. */
  get overflowed(): boolean {
    return this.failure instanceof QueueOverflowError;
  }

  /** Calls `listener` once when the queue fails; returns the undo. */
  onFail(listener: () => void): () => void {
    this.failListeners.add(listener);
    return () => this.failListeners.delete(listener);
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /**
   * Waits for items and takes all of them; null once `end()` was called or `signal` aborted
   * with nothing left, and throws after `fail()`. A consumer that loops over this instead of
   * `drain` saves an async-generator hop per item, which matters on the fan-out paths.
   */
  async take(signal?: AbortSignal): Promise<T[] | null> {
    for (;;) {
      if (this.items.length > 0) {
        const batch = this.items;
        this.items = [];
        return batch;
      }
      if (this.failure) throw this.failure;
      if (this.ended || signal?.aborted) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Ends the queue when `signal` aborts, so a waiting `take` returns; returns the undo. */
  endOnAbort(signal: AbortSignal | undefined): () => void {
    const onAbort = () => this.end();
    signal?.addEventListener("abort", onAbort, { once: true });
    return () => signal?.removeEventListener("abort", onAbort);
  }

  /** Yields items until `end()`, `fail()` or `signal` aborts. */
  async *drain(signal?: AbortSignal): AsyncGenerator<T> {
    const stopWatching = this.endOnAbort(signal);
    try {
      for (let batch = await this.take(signal); batch; batch = await this.take(signal)) {
        for (const item of batch) yield item;
      }
    } finally {
      stopWatching();
    }
  }
}
