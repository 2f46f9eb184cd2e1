/**
 * A token bucket for one caller in one process: `capacity` calls at once, refilled at
 * `perSecond`. Synchronous and allocation-free, for limits checked on every message of a
 * hot socket, where a shared (Redis) limiter's promise per call would cost more than the
 * message itself.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now = Date.now(),
  ) {
    this.tokens = capacity;
    this.refilledAt = now;
  }

  /** Spends one token if there is one; returns whether there was. */
  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token, 0 if one is there now. */
  msUntilNext(): number {
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }
}
