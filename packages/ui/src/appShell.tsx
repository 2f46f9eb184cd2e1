import type { ReactNode } from "react";
import { ConnectionBadge } from "./connectionBadge";
import { useSession, useSignedInUser } from "./session";

/** Ends the session here and on the server. */
export function LogoutButton() {
  const { signOut } = useSession();
  return (
    <button className="convoy-button convoy-button--quiet" type="button" onClick={() => signOut()}>
      Sign out
    </button>
  );
}

export interface AppShellProps {
  title: string;
  /** The app's own navigation (tabs, badges), shown in the header. */
  nav?: ReactNode;
  /** Let the page use the full window width (dispatch desks); phone apps leave it off. */
  wide?: boolean;
  /**
   * The page fills the window below the header exactly and scrolls inside itself (a map
   * beside a list), instead of the window scrolling. @default false
   */
  fill?: boolean;
  children: ReactNode;
}

/**
 * The header every signed-in screen shares: app name, connection, who is signed in, sign out.
 * One row at any width: on a phone the connection shows as a dot and the name is left to the page.
 */
export function AppShell({ title, nav, wide = false, fill = false, children }: AppShellProps) {
  const user = useSignedInUser();
  return (
    <div className={fill ? "convoy-shell convoy-shell--fill" : "convoy-shell"}>
      <header className="convoy-header">
        <div className="convoy-header__group">
          <span className="convoy-header__title">{title}</span>
          <ConnectionBadge />
        </div>
        {nav}
        <div className="convoy-header__group convoy-header__account">
          <span className="convoy-header__user" title={user.email}>
            {user.name}
          </span>
          <LogoutButton />
        </div>
      </header>
      <main className={wide ? "convoy-main convoy-main--wide" : "convoy-main"}>{children}</main>
    </div>
  );
}
