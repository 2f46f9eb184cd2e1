import type { IncomingMessage } from "node:http";

/**
 * Browsers always send `Origin` on a WebSocket upgrade, so an unknown origin is a page we
 * did not serve trying to use a user's credentials. Non-browser clients (services, the
 * simulator) send none and authenticate with their token alone.
 */
export function isOriginAllowed(request: IncomingMessage, allowed: ReadonlySet<string>, ownHost: string | undefined): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowed.has(origin)) return true;
  // The server's own pages (production mode) are always allowed.
  try {
    return ownHost !== undefined && new URL(origin).host === ownHost;
  } catch {
    return false;
  }
}
