import { useEffect, type ReactNode } from "react";
import { wrongRoleMessage } from "./errors";
import { LoginScreen } from "./loginScreen";
import { useSession } from "./session";
import type { Role } from "./trpc";

export interface AuthGateProps {
  requiredRole: Role;
  /** App name for the login screen, e.g. "Convoy Dispatcher". */
  title: string;
  /** Rendered only for a signed-in user of `requiredRole`; read the user with `useSignedInUser()`. */
  children: ReactNode;
  /**
   * Shown instead of `<UnreachableCard>` while the server cannot be reached to restore the
   * session (no network, say): an app that keeps what it last saw shows it here. The session
   * is retried every few seconds meanwhile (`retryRestore` tries at once).
   */
  unreachable?: ReactNode;
}

/** The server could not be reached to restore the session: why, "Try again" and "Sign out". */
export function UnreachableCard({ title }: { title: string }) {
  const { auth, signOut, retryRestore } = useSession();
  return (
    <main className="convoy-login">
      <div className="convoy-card convoy-login__card">
        <h1 className="convoy-login__title">{title}</h1>
        <p className="convoy-error" role="alert">
          {auth.status === "unreachable" ? auth.message : "The server could not be reached."}
        </p>
        <button className="convoy-button convoy-button--primary" type="button" onClick={retryRestore}>
          Try again
        </button>
        <button className="convoy-button" type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </div>
    </main>
  );
}

/**
 * Shows the login screen, the session being restored, or the app. A restored session of
 * the wrong role (a token from an older build, say) is ended like a wrong-role login.
 */
export function AuthGate({ requiredRole, title, children, unreachable }: AuthGateProps) {
  const { auth, signOut } = useSession();
  const wrongRole = auth.status === "signedIn" && auth.user.role !== requiredRole ? auth.user.role : null;

  useEffect(() => {
    if (wrongRole) signOut(wrongRoleMessage(requiredRole, wrongRole));
  }, [wrongRole, requiredRole, signOut]);

  switch (auth.status) {
    case "signedOut":
      return <LoginScreen requiredRole={requiredRole} title={title} notice={auth.notice} />;
    case "restoring":
      return <p className="convoy-centered">Restoring your session…</p>;
    case "unreachable":
      return unreachable ?? <UnreachableCard title={title} />;
    case "signedIn":
      return wrongRole ? null : <>{children}</>;
  }
}
