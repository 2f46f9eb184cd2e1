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
  /** Made on first use: most queues are never waited on this way, and an empty `Set` is 150 bytes. */
  private stopListeners: Set<() => void> | null = null;
  private ended = false;
  /** A consumer that takes items as they come (`shift`) rather than waiting in `take`; see `onChange`. */
  private listener: (() => void) | null = null;

  /** @param limit items the consumer may fall behind before the queue fails. */
  constructor(readonly limit: number) {}

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
    this.stopped();
  }

  /** Items waiting. */
  get length(): number {
    return this.items.length;
  }

  /** The oldest waiting item, taken; undefined when none waits. */
  shift(): T | undefined {
    return this.items.shift();
  }

  /** Whether `end()` was called. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** The error the queue failed with, if it did. */
  get error(): Error | null {
    return this.failure;
  }

  /**
   * Calls `listener` synchronously after every push, and when the queue ends or fails, for a
   * consumer that takes items the moment they come (`shift`) instead of waiting in `take`:
   * no promise and no async step per item. Null stops it.
   */
  onChange(listener: (() => void) | null): void {
    this.listener = listener;
  }

  /** True once the consumer fell `limit` items behind. */
  get overflowed(): boolean {
    return this.failure instanceof QueueOverflowError;
  }

  /** Calls `listener` once when the queue fails or ends (at once if it has); returns the undo. */
  onStop(listener: () => void): () => void {
    if (this.ended || this.failure) {
      listener();
      return () => undefined;
    }
    const listeners = (this.stopListeners ??= new Set());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  end(): void {
    this.ended = true;
    this.notify();
    this.stopped();
  }

  private stopped(): void {
    const listeners = this.stopListeners;
    this.stopListeners = null;
    listeners?.forEach((listener) => listener());
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
    this.listener?.();
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
