import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { QueryClientProvider } from "@tanstack/react-query";
import { createConvoyClient } from "@convoy/client";
import { errorMessage, isUnauthorized, wrongRoleMessage } from "./errors";
import { SessionContext, type AuthState, type Credentials, type Session } from "./session";
import { ToastProvider } from "./toasts";
import { tokenStore, type AppName } from "./tokenStore";
import { createTransport, type Transport } from "./transport";
import { trpc, type Role } from "./trpc";

export interface ConvoyProviderProps {
  /** Which app this is; its token is stored under `convoy.<app>.token`. */
  app: AppName;
  /** API origin. @default "" (same origin: the server in production, Vite's proxy in dev) */
  apiUrl?: string;
  children: ReactNode;
}

function initialAuth(token: string | null): AuthState {
  return token ? { status: "restoring", token } : { status: "signedOut", token: null, notice: null };
}

/** Ends a token we were handed but will not keep, so it cannot be used from here later. */
function revokeToken(apiUrl: string, token: string): void {
  const client = createConvoyClient({ url: apiUrl, token });
  client.api.auth.logout
    .mutate()
    .catch(() => undefined)
    .finally(() => void client.close());
}

/**
 * Session, tRPC client, query cache and toasts for one app. The transport is rebuilt
 * whenever the token changes, so the WebSocket always authenticates as the current user;
 * a stored token is checked with `auth.me` on load and dropped if the server refuses it.
 */
export function ConvoyProvider({ app, apiUrl = "", children }: ConvoyProviderProps) {
  const tokens = useMemo(() => tokenStore(app), [app]);
  const [auth, setAuth] = useState<AuthState>(() => initialAuth(tokens.read()));
  const [transport, setTransport] = useState<Transport | null>(null);
  const transportRef = useRef<Transport | null>(null);

  const signOut = useCallback(
    (notice?: string) => {
      const current = transportRef.current;
      // Best effort: the token is forgotten here whether or not the server hears about it.
      if (current?.token) current.api.auth.logout.mutate().catch(() => undefined);
      tokens.clear();
      setAuth({ status: "signedOut", token: null, notice: notice ?? null });
    },
    [tokens],
  );

  const token = auth.token;
  useEffect(() => {
    const next = createTransport(apiUrl, token, (error) => {
      // Only the live transport may end the session; a stale one is already disposed.
      if (transportRef.current === next) signOut(errorMessage(error));
    });
    transportRef.current = next;
    setTransport(next);
    return () => {
      next.dispose();
    };
  }, [apiUrl, token, signOut]);

  const ready = transport !== null && transport.token === auth.token;
  useEffect(() => {
    if (!ready || auth.status !== "restoring") return;
    let cancelled = false;
    const { token: stored } = auth;
    transport.api.auth.me.query().then(
      (user) => {
        if (!cancelled) setAuth({ status: "signedIn", token: stored, user });
      },
      (error: unknown) => {
        if (cancelled) return;
        if (isUnauthorized(error)) {
          tokens.clear();
          setAuth({ status: "signedOut", token: null, notice: errorMessage(error) });
        } else {
          setAuth({ status: "unreachable", token: stored, message: errorMessage(error) });
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [ready, auth, transport, tokens]);

  const signIn = useCallback(
    async (credentials: Credentials, requiredRole: Role) => {
      const current = transportRef.current;
      if (!current) throw new Error("Still starting up; try again in a moment.");
      const result = await current.api.auth.login.mutate(credentials);
      if (result.user.role !== requiredRole) {
        revokeToken(apiUrl, result.token);
        throw new Error(wrongRoleMessage(requiredRole, result.user.role));
      }
      tokens.write(result.token);
      setAuth({ status: "signedIn", token: result.token, user: result.user });
    },
    [apiUrl, tokens],
  );

  const retryRestore = useCallback(() => {
    setAuth((previous) => (previous.status === "unreachable" ? { status: "restoring", token: previous.token } : previous));
  }, []);

  const session = useMemo<Session | null>(
    () => (ready ? { auth, transport, signIn, signOut, retryRestore } : null),
    [ready, auth, transport, signIn, signOut, retryRestore],
  );

  return (
    <ToastProvider>
      {session && (
        <SessionContext.Provider value={session}>
          <trpc.Provider client={session.transport.reactClient} queryClient={session.transport.queryClient}>
            <QueryClientProvider client={session.transport.queryClient}>{children}</QueryClientProvider>
          </trpc.Provider>
        </SessionContext.Provider>
      )}
    </ToastProvider>
  );
}
