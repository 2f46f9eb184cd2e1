import type { TRPCClientError, TRPCLink } from "@trpc/client";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import type { AppRouter } from "@convoy/api";
import { toEndReason, type ConvoySession, type SessionEndReason } from "./session";

export interface SessionLinkOptions {
  /** The session to refresh when the server says its access token expired. */
  session: ConvoySession | null;
  /** Called when the server says the session is over (`data.sessionEnded`). */
  onEnded: (reason: SessionEndReason) => void;
}

function errorData(error: unknown): { code?: string; sessionEnded?: string | null } | undefined {
  return (error as TRPCClientError<AppRouter> | undefined)?.data as { code?: string; sessionEnded?: string | null } | undefined;
}

/**
 * Watches calls for the end of the session: an error naming `sessionEnded` ends it here too.
 * An UNAUTHORIZED without a reason (the access token expired, say while a laptop slept) is
 * answered by one refresh and one retry of the call, for queries and mutations alike: the
 * server refused it before running it.
 */
export function sessionLink(options: SessionLinkOptions): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let current: Unsubscribable | null = null;
        let retried = false;
        const run = () => {
          current = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error(error) {
              const data = errorData(error);
              if (data?.sessionEnded) {
                options.onEnded(toEndReason(data.sessionEnded));
              } else if (data?.code === "UNAUTHORIZED" && options.session && !retried && op.type !== "subscription") {
                retried = true;
                void options.session.refresh().then((ok) => (ok ? run() : observer.error(error)));
                return;
              }
              observer.error(error);
            },
          });
        };
        run();
        return () => current?.unsubscribe();
      });
}
