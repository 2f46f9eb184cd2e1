/// <reference lib="webworker" />
import { registerPushHandlers } from "./swPush";

declare const self: ServiceWorkerGlobalScope;

// Nothing to cache yet: the worker is here for notifications. A new version takes over at once.
self.addEventListener("install", () => void self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
registerPushHandlers(self);
