/**
 * The WebSocket URL of `path` on the server at `httpUrl`; `""` means the page's own origin
 * in a browser (ws: or wss: to match the page).
 */
export function webSocketUrl(httpUrl: string, path: string): string {
  const page = (globalThis as { location?: { protocol: string; host: string } }).location;
  if (httpUrl === "" && page) return `${page.protocol === "https:" ? "wss:" : "ws:"}//${page.host}${path}`;
  return `${httpUrl.replace(/^http/, "ws").replace(/\/$/, "")}${path}`;
}

/** Wait before reconnect attempt `attempt` (0-based): doubling from 250 ms to 5 s, with jitter so clients spread out. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 5_000) * (0.5 + Math.random() / 2);
}
