import type { UserConfig } from "vite";

/**
 * Vite settings for one Convoy app: served under `/<name>/`, dev server on `port`, `/trpc`
 * (HTTP and WebSocket) proxied to `CONVOY_API_URL` (default `http://localhost:3000`).
 * With `serviceWorker`, the app's `src/sw.ts` becomes `sw.js` (scope `/<name>/`): built here as an
 * extra entry (`"entry"`), or by a plugin the app adds itself (`"plugin"`, the driver's
 * vite-plugin-pwa); the dev server serves the source and allows it that scope. @default false
 */
export declare function convoyAppConfig(app: {
  name: "dispatcher" | "driver" | "rider";
  port: number;
  serviceWorker?: "entry" | "plugin" | false;
}): UserConfig;
