/** Which transport carried a call. */
export type CallTransport = "http" | "ws";

/**
 * Told once per finished query or mutation: its procedure path, type, transport and how long
 * its middleware and handler took, in seconds (tRPC's parsing and the response's writing
 * are not in it).
 */
export type CallObserver = (procedure: string, type: "query" | "mutation", transport: CallTransport, seconds: number) => void;

/**
 * What the procedures report about themselves, for the server's metrics: open subscriptions
 * by procedure, counted in place, and each call's duration, handed to `observer`. Nothing
 * here allocates per call.
 */
export class CallStats {
  private readonly open = new Map<string, number>();

  /** @param observer told about every finished query and mutation; none by default. */
  constructor(private readonly observer: CallObserver | null = null) {}

  /** Subscriptions open now, by procedure path; a path whose last subscription ended stays at 0. */
  get openSubscriptions(): ReadonlyMap<string, number> {
    return this.open;
  }

  /** Records a query or mutation that started at `startedAt` (`performance.now()`); subscriptions are counted apart. */
  finished(procedure: string, type: string, transport: CallTransport, startedAt: number): void {
    if (this.observer && (type === "query" || type === "mutation")) {
      this.observer(procedure, type, transport, (performance.now() - startedAt) / 1_000);
    }
  }

  subscriptionOpened(procedure: string): void {
    this.open.set(procedure, (this.open.get(procedure) ?? 0) + 1);
  }

  subscriptionClosed(procedure: string): void {
    this.open.set(procedure, (this.open.get(procedure) ?? 1) - 1);
  }
}
