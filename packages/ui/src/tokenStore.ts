/** The apps that keep a token; each has its own so one browser can be a driver and a dispatcher. */
export type AppName = "dispatcher" | "driver" | "rider";

export interface TokenStore {
  read: () => string | null;
  write: (token: string) => void;
  clear: () => void;
}

/**
 * Keeps an app's token in localStorage under `convoy.<app>.token`. Storage can throw
 * (private mode, quota, disabled cookies); then the session simply lasts until reload.
 */
export function tokenStore(app: AppName): TokenStore {
  const key = `convoy.${app}.token`;
  return {
    read: () => {
      try {
        return localStorage.getItem(key);
      } catch {
        return null;
      }
    },
    write: (token) => {
      try {
        localStorage.setItem(key, token);
      } catch {
        // Not persisted; the in-memory session still works.
      }
    },
    clear: () => {
      try {
        localStorage.removeItem(key);
      } catch {
        // Nothing stored to clear.
      }
    },
  };
}
