import type { UserConfig } from "vite";

/**
 * Vite settings for one Convoy app: served under `/<name>/`, dev server on `port`, `/trpc`
 * (HTTP and WebSocket) proxied to `CONVOY_API_URL` (default `http://localhost:3000`).
 * With `serviceWorker`, the app's `src/sw.ts` is built to `sw.js` (scope `/<name>/`). @default false
 */
export declare function convoyAppConfig(app: { name: "dispatcher" | "driver" | "rider"; port: number; serviceWorker?: boolean }): UserConfig;
