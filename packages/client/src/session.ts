import type { SESSION_ENDED_CLOSE_CODE, ServerSessionEndReason, SignedIn } from "@convoy/api";

/** Why a session ended, as the server names it, or "unauthorized" for a refusal without a reason. */
export type SessionEndReason = ServerSessionEndReason | "unauthorized";

/** A session that is over: the client stopped reconnecting and the user must sign in again. */
export interface SessionEnded {
  reason: SessionEndReason;
}

/** The server's close code for "your session ended", restated so no server code ships. */
export const SESSION_ENDED: typeof SESSION_ENDED_CLOSE_CODE = 4001;

/** Every reason the server names; typed against the server's list so the two cannot drift. */
const KNOWN_REASONS: Record<ServerSessionEndReason, true> = {
  logged_out: true,
  logged_out_everywhere: true,
  refresh_reused: true,
  password_changed: true,
  user_disabled: true,
  user_deleted: true,
  expired: true,
  key_revoked: true,
};

/** The reason named by a close frame or an error's `data.sessionEnded`, or "unauthorized". */
export function toEndReason(reason: unknown): SessionEndReason {
  return typeof reason === "string" && Object.hasOwn(KNOWN_REASONS, reason) ? (reason as SessionEndReason) : "unauthorized";
}

/** What a session starts from: the answer of `auth.login` (or of a refresh). */
export type SessionStart = Pick<SignedIn, "token" | "expiresAt" | "refreshToken">;

export interface ConvoySessionOptions {
  /** Server origin, e.g. `http://localhost:3000`, or `""` for same-origin in a browser. */
  url: string;
  /**
   * The tokens from `auth.login`. Null to start from the refresh cookie alone (a browser
   * app after a reload): the first `getToken` refreshes.
   */
  initial: SessionStart | null;
  /**
   * Browser apps: the refresh token lives in this app's HttpOnly cookie, never in script;
   * login must have been called with the same `refreshCookie`.
   */
  refreshCookie?: "dispatcher" | "driver" | "rider";
  /** Called with every refreshed sign-in (a new access token, the user as the server has it now). */
  onRefreshed?: (signedIn: SignedIn) => void;
}

/**
 * An access token kept fresh. Refreshes itself shortly before the token expires (a minute,
 * or a third of a shorter lifetime), and on demand; a refresh the server refuses ends the
 * session, with the server's reason. A refresh that fails in transit is retried; the
 * session is not over because the server was briefly unreachable.
 */
export interface ConvoySession {
  /** The current access token, refreshed first if it is about to expire; null once ended. */
  getToken: () => Promise<string | null>;
  /** Refreshes now (one request however many callers); resolves false if the session ended. */
  refresh: () => Promise<boolean>;
  /** Why the session ended, or null while it stands. */
  readonly ended: SessionEnded | null;
  /** Calls `listener` once when the session ends; returns an unsubscribe function. */
  onEnded: (listener: (ended: SessionEnded) => void) => () => void;
  /** Marks the session ended here (the server said so some other way, e.g. a socket close). */
  end: (reason: SessionEndReason) => void;
  /** Stops the refresh timer. */
  close: () => void;
}

/** Longest a refresh waits before its first retry after a network failure, in ms. */
const RETRY_MS = 2_000;

interface RefreshReply {
  result?: { data: SignedIn };
  error?: { message: string; data?: { code?: string; sessionEnded?: string | null } };
}

export function createConvoySession(options: ConvoySessionOptions): ConvoySession {
  let token = options.initial?.token ?? null;
  let expiresAt = options.initial?.expiresAt ?? 0;
  let issuedAt = Date.now();
  let refreshToken = options.initial?.refreshToken;
  let ended: SessionEnded | null = null;
  let inFlight: Promise<boolean> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const endedListeners = new Set<(ended: SessionEnded) => void>();
  const endpoint = `${options.url.replace(/\/$/, "")}/trpc/auth.refresh`;

  const leadMs = () => Math.min(60_000, (expiresAt - issuedAt) / 3);

  function schedule(delayMs: number) {
    if (timer) clearTimeout(timer);
    if (closed || ended) return;
    timer = setTimeout(() => void refresh(), Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
    // Node: a refresh timer alone must not keep a process alive.
    (timer as { unref?: () => void }).unref?.();
  }

  function end(reason: SessionEndReason) {
    if (ended) return;
    ended = { reason };
    token = null;
    refreshToken = undefined;
    if (timer) clearTimeout(timer);
    for (const listener of endedListeners) listener(ended);
  }

  async function attempt(): Promise<boolean | "retry"> {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(options.refreshCookie ? { refreshCookie: options.refreshCookie } : { refreshToken }),
        credentials: "same-origin",
      });
    } catch {
      return "retry";
    }
    const reply = (await response.json().catch(() => ({}))) as RefreshReply;
    if (reply.result) {
      const signedIn = reply.result.data;
      token = signedIn.token;
      expiresAt = signedIn.expiresAt;
      issuedAt = Date.now();
      if (signedIn.refreshToken) refreshToken = signedIn.refreshToken;
      schedule(expiresAt - Date.now() - leadMs());
      options.onRefreshed?.(signedIn);
      return true;
    }
    const code = reply.error?.data?.code;
    // Another tab rotated the cookie a moment ago: the cookie now holds the new token.
    if (code === "CONFLICT" && options.refreshCookie) return "retry";
    if (code === "UNAUTHORIZED" || code === "BAD_REQUEST" || code === "CONFLICT") {
      // No reason: nothing to refresh with (no cookie), which is not an ended session to report.
      end(toEndReason(reply.error?.data?.sessionEnded));
      return false;
    }
    return "retry";
  }

  function refresh(): Promise<boolean> {
    if (ended) return Promise.resolve(false);
    if (!options.refreshCookie && !refreshToken) return Promise.resolve(token !== null);
    inFlight ??= (async () => {
      try {
        for (let tries = 0; ; tries++) {
          const result = await attempt();
          if (result !== "retry") return result;
          // Unreachable, or raced: retry soon while the token still works, else report what we have.
          if (tries >= 2) {
            schedule(RETRY_MS * 5);
            return token !== null;
          }
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS * (tries + 1) * Math.random()));
        }
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  }

  if (options.initial) schedule(expiresAt - Date.now() - leadMs());

  return {
    async getToken() {
      if (ended) return null;
      if (!token || expiresAt - Date.now() < leadMs()) await refresh();
      return token;
    },
    refresh,
    get ended() {
      return ended;
    },
    onEnded(listener) {
      endedListeners.add(listener);
      return () => endedListeners.delete(listener);
    },
    end,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
