import { handlePushEvents } from "@convoy/ui/serviceWorkerPush";

/**
 * The driver app's notifications (a new offer, a dispatcher's message, a change to their
 * trip): shown while the app is closed or in the background; a click opens the offer, the
 * chat or the trip. Called by the app's service worker (`sw.ts`).
 */
export function registerPushHandlers(sw: ServiceWorkerGlobalScope): void {
  handlePushEvents(sw);
}
