/** One position as `tracking.report` takes it; `recordedAt` in epoch ms. */
export interface ReportPoint {
  lat: number;
  lng: number;
  recordedAt: number;
  accuracyM?: number | null;
  headingDeg?: number | null;
  speedMps?: number | null;
}

/** Most points one report may carry (the server's limit). */
const MAX_BATCH = 50;
/** Points kept while the server cannot be reached; older ones are dropped first. */
const MAX_BACKLOG = 500;

/**
 * Collects positions and sends them in batches: everything gathered since the last send,
 * every `intervalMs` (@default 1_000), one request at a time. A failed send keeps its points
 * for the next try, so a short network gap leaves no hole in the breadcrumb trail.
 */
export class LocationReporter {
  private queue: ReportPoint[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private sending = false;
  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly send: (points: ReportPoint[]) => Promise<unknown>,
    private readonly intervalMs = 1_000,
  ) {}

  /** Queues a point; the first point after a quiet interval goes out at once, so the map is not a tick behind. */
  push(point: ReportPoint): void {
    const wasIdle = this.queue.length === 0 && !this.sending && Date.now() - this.lastSentAt >= this.intervalMs;
    this.queue.push(point);
    if (this.queue.length > MAX_BACKLOG) this.queue.splice(0, this.queue.length - MAX_BACKLOG);
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    if (wasIdle) void this.flush();
  }

  /** Stops the timer; what is queued is sent once more, best effort. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.sending || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_BATCH);
    this.sending = true;
    this.lastSentAt = Date.now();
    try {
      await this.send(batch);
    } catch {
      // Back in front of anything newer, for the next tick.
      this.queue.unshift(...batch);
      if (this.queue.length > MAX_BACKLOG) this.queue.splice(0, this.queue.length - MAX_BACKLOG);
    } finally {
      this.sending = false;
    }
  }
}
