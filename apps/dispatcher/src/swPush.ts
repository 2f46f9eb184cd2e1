import { handlePushEvents } from "@convoy/ui/serviceWorkerPush";

/**
 * The dispatcher app's notifications (a driver's counter, a driver accepting an offer, a
 * driver's message): shown while the app is closed or in the background; a click opens the
 * offer at that driver. Called by the app's service worker (`sw.ts`).
 */
export function registerPushHandlers(sw: ServiceWorkerGlobalScope): void {
  handlePushEvents(sw);
}
