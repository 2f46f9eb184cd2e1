import type { UserConfig } from "vite";

/**
 * Vite settings for one Convoy app: served under `/<name>/`, dev server on `port`, `/trpc`
 * (HTTP and WebSocket) proxied to `CONVOY_API_URL` (default `http://localhost:3000`).
 */
export declare function convoyAppConfig(app: { name: "dispatcher" | "driver" | "rider"; port: number }): UserConfig;
