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

  /**
   * Spends `cost` tokens if there are that many; returns whether there were. Nothing is
   * spent when there are too few, so a refused batch does not drain the bucket.
   * @param cost tokens to spend. @default 1
   */
  take(now = Date.now(), cost = 1): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Milliseconds until the next token, 0 if one is there now. */
  msUntilNext(): number {
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }
}
