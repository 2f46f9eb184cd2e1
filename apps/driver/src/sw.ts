/// <reference lib="webworker" />
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";
import { registerPushHandlers } from "./swPush";

/**
 * The driver app's service worker (built by vite-plugin-pwa's injectManifest from this file).
 * It precaches the app shell, so the app opens with no network, and nothing else: the API
 * (`/trpc`, `/positions`) has no route here, so every call goes to the network and no
 * answer is ever cached. What the driver last saw is kept by the app itself, per user
 * (`offline/offlineStore.ts`), and cleared on sign-out. It also shows the driver's web push
 * notifications (`swPush.ts`).
 */
declare const self: ServiceWorkerGlobalScope;

// Every built file (the build injects the list), served cache-first by its revision; a new
// build's files replace the old ones and the old cache is removed. `pnpm dev` serves this
// file as it is, with no list: there it only shows notifications.
const precached = self.__WB_MANIFEST as typeof self.__WB_MANIFEST | undefined;
if (precached) {
  precacheAndRoute(precached);
  cleanupOutdatedCaches();
  // Any page of the app (its screens are hash routes of index.html) opens from the cached shell.
  registerRoute(new NavigationRoute(createHandlerBoundToURL("index.html")));
}

// A new build takes over at once rather than when every tab closes: the shell is static and
// the data comes from the server or the app's own store, so nothing depends on the old one.
self.addEventListener("install", () => void self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

registerPushHandlers(self);
