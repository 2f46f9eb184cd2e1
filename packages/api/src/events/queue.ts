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
  private ended = false;

  constructor(private readonly limit: number) {}

  push(item: T): void {
    if (this.ended || this.failure) return;
    if (this.items.length >= this.limit) {
      this.fail(new Error(`subscriber fell ${this.limit} events behind; reconnect to resume`));
      return;
    }
    this.items.push(item);
    this.notify();
  }

  fail(error: Error): void {
    this.failure = error;
    this.notify();
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

  /** Yields items until `end()`, `fail()` or `signal` aborts. */
  async *drain(signal?: AbortSignal): AsyncGenerator<T> {
    const onAbort = () => this.end();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        if (this.items.length > 0) {
          const batch = this.items;
          this.items = [];
          for (const item of batch) yield item;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended || signal?.aborted) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
