import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { QueryClientProvider } from "@tanstack/react-query";
import { sessionEndedMessage } from "@convoy/api/schemas";
import { createConvoyClient, createConvoySession } from "@convoy/client";
import { errorMessage, wrongRoleMessage } from "./errors";
import { SessionContext, type AppName, type AuthState, type Credentials, type Session } from "./session";
import { ToastProvider } from "./toasts";
import { createTransport, type Transport } from "./transport";
import { trpc, type Role, type SignedInUser } from "./trpc";

export interface ConvoyProviderProps {
  /** Which app this is; its refresh token lives in the HttpOnly cookie `convoy_refresh_<app>`. */
  app: AppName;
  /** API origin. @default "" (same origin: the server in production, Vite's proxy in dev) */
  apiUrl?: string;
  children: ReactNode;
}

/** How long to wait before trying to restore a session again while the server cannot be reached, in ms. @default 5_000 */
const RESTORE_RETRY_MS = 5_000;

/** Ends a session we were handed but will not keep (a wrong-role login), clearing its cookie. */
function endUnwanted(apiUrl: string, token: string, app: AppName): void {
  const client = createConvoyClient({ url: apiUrl, token });
  client.api.auth.logout
    .mutate({ refreshCookie: app })
    .catch(() => undefined)
    .finally(() => void client.close());
}

/**
 * Session, tRPC client, query cache and toasts for one app. On load the app's refresh cookie
 * is spent for an access token (kept in memory only); the session then refreshes itself
 * before each token expires. A session the server ends (logout elsewhere, revoked, account
 * disabled) returns the app to the login screen with a sentence saying why.
 */
export function ConvoyProvider({ app, apiUrl = "", children }: ConvoyProviderProps) {
  const [auth, setAuth] = useState<AuthState>({ status: "restoring" });
  const [transport, setTransport] = useState<Transport | null>(null);
  const transportRef = useRef<Transport | null>(null);

  const signOut = useCallback(
    (notice?: string) => {
      const current = transportRef.current;
      // Best effort: the session is forgotten here whether or not the server hears about it.
      if (current?.session && !current.session.ended) current.api.auth.logout.mutate({ refreshCookie: app }).catch(() => undefined);
      setAuth({ status: "signedOut", notice: notice ?? null });
    },
    [app],
  );

  const session = auth.status === "signedIn" ? auth.session : null;
  useEffect(() => {
    const next = createTransport(
      apiUrl,
      session,
      (error) => {
        // Only the live transport may end the session; a stale one is already disposed.
        if (transportRef.current === next) signOut(errorMessage(error));
      },
      ({ reason }) => {
        // A sign-out here already chose its own notice; only an ending from elsewhere needs one.
        if (transportRef.current !== next) return;
        setAuth((previous) => (previous.status === "signedIn" ? { status: "signedOut", notice: sessionEndedMessage(reason) } : previous));
      },
    );
    transportRef.current = next;
    setTransport(next);
    return () => {
      next.dispose();
    };
  }, [apiUrl, session, signOut]);

  // Restores the session from the refresh cookie on load; while the server cannot be reached,
  // tries again every RESTORE_RETRY_MS, so the "could not be reached" notice goes by itself.
  useEffect(() => {
    if (auth.status !== "restoring" && auth.status !== "unreachable") return;
    let cancelled = false;
    const restore = () => {
      let user: SignedInUser | null = null;
      const restored = createConvoySession({ url: apiUrl, initial: null, refreshCookie: app, onRefreshed: (signedIn) => (user = signedIn.user) });
      void restored.refresh().then((ok) => {
        if (cancelled) return restored.close();
        if (ok && user) setAuth({ status: "signedIn", session: restored, user });
        else if (restored.ended) {
          // No cookie at all is an ordinary first visit, not a session that ended.
          const reason = restored.ended.reason;
          setAuth({ status: "signedOut", notice: reason === "unauthorized" ? null : sessionEndedMessage(reason) });
        } else {
          restored.close();
          // A new state object each time, so this effect runs (and waits) again.
          setAuth({ status: "unreachable", message: "The server could not be reached; check your connection and try again." });
        }
      });
    };
    if (auth.status === "restoring") {
      restore();
      return () => {
        cancelled = true;
      };
    }
    const timer = setTimeout(restore, RESTORE_RETRY_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [auth, apiUrl, app]);

  const signIn = useCallback(
    async (credentials: Credentials, requiredRole: Role) => {
      const current = transportRef.current;
      if (!current) throw new Error("Still starting up; try again in a moment.");
      const result = await current.api.auth.login.mutate({ ...credentials, refreshCookie: app });
      if (result.user.role !== requiredRole) {
        endUnwanted(apiUrl, result.token, app);
        throw new Error(wrongRoleMessage(requiredRole, result.user.role));
      }
      const started = createConvoySession({ url: apiUrl, initial: result, refreshCookie: app });
      setAuth({ status: "signedIn", session: started, user: result.user });
    },
    [apiUrl, app],
  );

  const retryRestore = useCallback(() => {
    setAuth((previous) => (previous.status === "unreachable" ? { status: "restoring" } : previous));
  }, []);

  const ready = transport !== null && transport.session === session;
  const value = useMemo<Session | null>(
    () => (ready ? { auth, transport, signIn, signOut, retryRestore } : null),
    [ready, auth, transport, signIn, signOut, retryRestore],
  );

  return (
    <ToastProvider>
      {value && (
        <SessionContext.Provider value={value}>
          <trpc.Provider client={value.transport.reactClient} queryClient={value.transport.queryClient}>
            <QueryClientProvider client={value.transport.queryClient}>{children}</QueryClientProvider>
          </trpc.Provider>
        </SessionContext.Provider>
      )}
    </ToastProvider>
  );
}
