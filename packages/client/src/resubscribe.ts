import type { TRPCClientError, TRPCLink } from "@trpc/client";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import type { AppRouter } from "@convoy/api";
import { isTransient } from "./retry";
import { reconnectDelayMs } from "./socketUrl";

export interface ResubscribeLinkOptions {
  /**
   * Wait before resubscribing after the `failures`-th retryable error in a row (0-based);
   * a delivered event resets the count. @default reconnectDelayMs: 250 ms doubling to 5 s, jittered
   */
  delayMs?: (failures: number) => number;
  /** Told of every error that leads to a resubscription, e.g. to show "reconnecting". */
  onRetry?: (info: { path: string; error: TRPCClientError<AppRouter>; failures: number }) => void;
  /** True once retrying cannot help (the session ended): errors then reach the app at once. */
  stopped?: () => boolean;
}

/** The operation's input with `lastEventId` set, as tRPC's ws adapter sets it on a reconnect. */
function withLastEventId(input: unknown, lastEventId: string): unknown {
  if (input === undefined || input === null) return { lastEventId };
  if (typeof input === "object" && !Array.isArray(input)) return { ...input, lastEventId };
  return input;
}

/**
 * Keeps subscriptions alive through errors that only mean "not now": the server's
 * SERVICE_UNAVAILABLE (MySQL unreachable, a draining server), or no answer at all. The
 * subscription is made again after a backoff, from the last event id it delivered (or the
 * `lastEventId` it was started with), so a durable stream resumes with nothing missed and
 * nothing twice. Any other error ends the subscription and reaches the app's `onError`.
 * Queries and mutations pass through untouched.
 */
export function resubscribeLink(options: ResubscribeLinkOptions = {}): TRPCLink<AppRouter> {
  const delayMs = options.delayMs ?? reconnectDelayMs;
  return () =>
    ({ op, next }) => {
      if (op.type !== "subscription") return next(op);
      return observable((observer) => {
        let lastEventId: string | null = null;
        let failures = 0;
        let current: Unsubscribable | null = null;
        let timer: ReturnType<typeof setTimeout> | undefined;

        const attempt = () => {
          const input = lastEventId === null ? op.input : withLastEventId(op.input, lastEventId);
          current = next({ ...op, input }).subscribe({
            next(envelope) {
              const { result } = envelope;
              if ((result.type === undefined || result.type === "data") && "id" in result && typeof result.id === "string") {
                lastEventId = result.id;
              }
              if (result.type === undefined || result.type === "data") failures = 0;
              observer.next(envelope);
            },
            error(error) {
              if (!isTransient(error) || options.stopped?.()) {
                observer.error(error);
                return;
              }
              options.onRetry?.({ path: op.path, error, failures });
              timer = setTimeout(attempt, delayMs(failures));
              failures++;
            },
            complete() {
              observer.complete();
            },
          });
        };
        attempt();
        return () => {
          clearTimeout(timer);
          current?.unsubscribe();
        };
      });
    };
}
