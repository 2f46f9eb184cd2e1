/**
 * One write-behind flush at a time. A run takes what is queued when it begins, so a call
 * made while one is under way gets one follow-up run after it, shared by every call made
 * meanwhile: the promise a call gets settles only after everything queued before the call
 * was written (or the attempt failed).
 */
export class CoalescedRun {
  private running: Promise<void> | null = null;
  private followUp: Promise<void> | null = null;

  constructor(
    private readonly work: () => Promise<void>,
    /** Whether the follow-up has anything to do, checked when the run before it ends. */
    private readonly hasMore: () => boolean,
  ) {}

  run(): Promise<void> {
    if (!this.running) return this.start();
    // After the run under way, whether it wrote or failed.
    const next = (): Promise<void> | undefined => {
      this.followUp = null;
      if (!this.hasMore()) return undefined;
      // A run another caller started since took the queue as it stands now.
      return this.running ?? this.start();
    };
    this.followUp ??= this.running.then(next, next);
    return this.followUp;
  }

  private start(): Promise<void> {
    this.running = this.work().finally(() => (this.running = null));
    return this.running;
  }
}
