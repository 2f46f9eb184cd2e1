import type { HttpExchange } from "../trpc";

/** The apps that keep their refresh token in a cookie, one cookie each. */
export const cookieApps = ["dispatcher", "driver", "rider"] as const;
export type CookieApp = (typeof cookieApps)[number];

/**
 * The only path the refresh cookie is sent to: `auth.refresh` called on its own (not in a
 * batch), which is how `@convoy/client` calls it.
 */
export const REFRESH_COOKIE_PATH = "/trpc/auth.refresh";

export function refreshCookieName(app: CookieApp): string {
  return `convoy_refresh_${app}`;
}

/**
 * Stores `token` in an HttpOnly, SameSite=Strict cookie scoped to the refresh endpoint,
 * `Secure` everywhere but on a loopback host (browsers drop Secure cookies over plain http).
 * @param maxAgeSeconds the cookie's lifetime; 0 deletes it.
 */
export function setRefreshCookie(http: HttpExchange, app: CookieApp, token: string, maxAgeSeconds: number): void {
  const attributes = [
    `${refreshCookieName(app)}=${token}`,
    `Path=${REFRESH_COOKIE_PATH}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Strict",
  ];
  if (!http.isLocalhost) attributes.push("Secure");
  http.setCookie(attributes.join("; "));
}

export function clearRefreshCookie(http: HttpExchange, app: CookieApp): void {
  setRefreshCookie(http, app, "", 0);
}

/** Parses a `Cookie` header into a map; malformed pairs are skipped. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return cookies;
}
