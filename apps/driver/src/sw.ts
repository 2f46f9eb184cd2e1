/// <reference lib="webworker" />
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";

/**
 * The driver app's service worker (built by vite-plugin-pwa's injectManifest from this file).
 * It precaches the app shell, so the app opens with no network, and nothing else: the API
 * (`/trpc`, `/positions`) has no route here, so every call goes to the network and no
 * answer is ever cached. What the driver last saw is kept by the app itself, per user
 * (`offline/offlineStore.ts`), and cleared on sign-out.
 */
declare const self: ServiceWorkerGlobalScope;

// Every built file (the manifest is injected at build time), served cache-first by its
// revision; a new build's files replace the old ones and the old cache is removed.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Any page of the app (its screens are hash routes of index.html) opens from the cached shell.
registerRoute(new NavigationRoute(createHandlerBoundToURL("index.html")));

// A new build takes over at once rather than when every tab closes: the shell is static and
// the data comes from the server or the app's own store, so nothing depends on the old one.
self.addEventListener("install", () => void self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// Web push: the push and notification-click handlers are registered here, with
// `registerPushHandlers(self)` from ./swPush.
