import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { createTRPCClient, type TRPCClient } from "@trpc/client";
import { createConvoyLinks, type ConvoySession, type SessionEnded } from "@convoy/client";
import type { AppRouter } from "@convoy/api";
import { errorCode, isUnauthorized } from "./errors";
import { trpc } from "./trpc";

/** The socket as the badge needs it: "connecting" is the first attempt, "reconnecting" any later one. */
export type SocketStatus = "open" | "connecting" | "reconnecting" | "closed";

export interface ConnectionStore {
  subscribe: (onChange: () => void) => () => void;
  getSnapshot: () => SocketStatus;
}

/** Everything that talks to the server on behalf of one session. */
export interface Transport {
  /** The server's origin, `""` for the page's own. */
  apiUrl: string;
  /** Null before sign-in. */
  session: ConvoySession | null;
  /** Plain tRPC calls for the session itself (login, me, logout). */
  api: TRPCClient<AppRouter>;
  /** The client `trpc.Provider` hands to the hooks. */
  reactClient: ReturnType<typeof trpc.createClient>;
  queryClient: QueryClient;
  connection: ConnectionStore;
  dispose: () => void;
}

/** Codes that say "the request itself is wrong": retrying cannot help. */
const FINAL_CODES = new Set(["BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "TOO_MANY_REQUESTS"]);

/**
 * Builds a transport for `session`. A new one is made on every login and logout (never on a
 * token refresh: the socket re-authenticates by itself), because one user's cached data must
 * never show to the next. Signed in, the socket opens at once so the connection badge is
 * truthful. `onEnded` hears when the server ended the session (logout elsewhere, revoked,
 * expired); `onUnauthorized` when a call was refused even after a refresh.
 */
export function createTransport(
  apiUrl: string,
  session: ConvoySession | null,
  onUnauthorized: (error: unknown) => void,
  onEnded: (ended: SessionEnded) => void,
): Transport {
  const links = createConvoyLinks({ url: apiUrl, session: session ?? undefined, lazy: session === null });
  const stopWatchingEnd = links.onSessionEnded(onEnded);
  const handleError = (error: unknown) => {
    if (isUnauthorized(error)) onUnauthorized(error);
  };
  const queryClient = new QueryClient({
    queryCache: new QueryCache({ onError: handleError }),
    mutationCache: new MutationCache({ onError: handleError }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (failures, error) => failures < 2 && !FINAL_CODES.has(errorCode(error) ?? ""),
      },
    },
  });

  let hasBeenOpen = false;
  let lost = false;
  const listeners = new Set<() => void>();
  const stopWatching = links.onConnectionStateChange((state) => {
    if (state === "open") {
      // Back after losing the server: what was fetched, or failed, meanwhile is fetched again,
      // so an error from the outage ("Can't reach the Convoy server") clears by itself and
      // anything a non-durable stream missed is caught up. Durable streams resume on their own.
      if (lost) void queryClient.invalidateQueries();
      hasBeenOpen = true;
      lost = false;
    } else if (hasBeenOpen) lost = true;
    for (const listener of listeners) listener();
  });

  return {
    apiUrl,
    session,
    api: createTRPCClient<AppRouter>({ links: links.links }),
    reactClient: trpc.createClient({ links: links.links }),
    queryClient,
    connection: {
      subscribe(onChange) {
        listeners.add(onChange);
        return () => listeners.delete(onChange);
      },
      getSnapshot() {
        const state = links.connectionState;
        if (state === "open") return "open";
        if (state === "connecting") return hasBeenOpen ? "reconnecting" : "connecting";
        return "closed";
      },
    },
    dispose() {
      stopWatching();
      stopWatchingEnd();
      session?.close();
      listeners.clear();
      queryClient.clear();
      void links.close();
    },
  };
}
