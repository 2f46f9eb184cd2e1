import { createContext, useContext } from "react";
import type { ConvoySession } from "@convoy/client";
import type { Transport } from "./transport";
import type { Role, SignedInUser } from "./trpc";

/** The apps; each keeps its own refresh cookie, so one browser can be a driver and a dispatcher. */
export type AppName = "dispatcher" | "driver" | "rider";

/**
 * Where the app's sign-in stands. The access token lives only in memory (in `session`);
 * the refresh token only in an HttpOnly cookie the page cannot read.
 */
export type AuthState =
  | { status: "signedOut"; notice: string | null }
  | { status: "restoring" }
  | { status: "unreachable"; message: string }
  | { status: "signedIn"; session: ConvoySession; user: SignedInUser };

export interface Credentials {
  email: string;
  password: string;
}

export interface Session {
  auth: AuthState;
  transport: Transport;
  /** Resolves once signed in; rejects with a readable message (wrong password, wrong role, offline). */
  signIn: (credentials: Credentials, requiredRole: Role) => Promise<void>;
  /** Ends the session here and on the server; `notice` is shown on the login screen. */
  signOut: (notice?: string) => void;
  /** Tries the refresh cookie again after the server could not be reached. */
  retryRestore: () => void;
}

export const SessionContext = createContext<Session | null>(null);

/** The session of the surrounding `ConvoyProvider`. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession must be used inside <ConvoyProvider>");
  return session;
}

/**
 * The signed-in user, for screens rendered inside `<AuthGate>`, which guarantees one; throws
 * elsewhere so a misplaced screen fails loudly in development.
 */
export function useSignedInUser(): SignedInUser {
  const { auth } = useSession();
  if (auth.status !== "signedIn") throw new Error("useSignedInUser must be used inside <AuthGate>");
  return auth.user;
}
