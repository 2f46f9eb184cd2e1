/// <reference lib="webworker" />
/**
 * The service worker's half of Web Push, for the apps' own service workers (`src/sw.ts`):
 * shows what the server pushed, and brings the app to the notification's screen on a click.
 * No React, no tRPC: this runs in the worker.
 */

/** What the server pushes (`PushNotification` in @convoy/api): words, a hash route, a tag. */
interface PushedNotification {
  title: string;
  body: string;
  /** A hash route of this app, e.g. "#/offers/12". */
  url: string;
  tag: string;
}

/**
 * What an open window of the app is told on a click, instead of a new tab opening: "show this
 * route". A type only, so the app's bundle and the worker share no module.
 */
export interface OpenRouteMessage {
  type: "convoy:open-route";
  /** The absolute URL of the app at the notification's route. */
  url: string;
}

function parse(event: PushEvent): PushedNotification | null {
  try {
    const data = event.data?.json() as Partial<PushedNotification> | undefined;
    if (typeof data?.title !== "string") return null;
    return {
      title: data.title,
      body: typeof data.body === "string" ? data.body : "",
      url: typeof data.url === "string" && data.url.startsWith("#/") ? data.url : "#/",
      tag: typeof data.tag === "string" ? data.tag : "",
    };
  } catch {
    return null;
  }
}

async function appWindows(sw: ServiceWorkerGlobalScope): Promise<readonly WindowClient[]> {
  const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
  return windows.filter((client) => client.url.startsWith(sw.registration.scope));
}

/**
 * Handles `push` and `notificationclick` for the app the worker serves. A push is shown as an
 * OS notification unless a window of the app is focused (it shows the change itself); a
 * click focuses an open window and moves it to the notification's route, or opens one there.
 */
export function handlePushEvents(sw: ServiceWorkerGlobalScope): void {
  sw.addEventListener("push", (event) => {
    const notification = parse(event);
    if (!notification) return;
    event.waitUntil(
      (async () => {
        const windows = await appWindows(sw);
        if (windows.some((client) => client.focused && client.visibilityState === "visible")) return;
        await sw.registration.showNotification(notification.title, {
          body: notification.body,
          tag: notification.tag || undefined,
          data: { url: notification.url },
        });
      })(),
    );
  });

  sw.addEventListener("notificationclick", (event) => {
    event.notification.close();
    const route = (event.notification.data as { url?: string } | null)?.url ?? "#/";
    const target = new URL(route, sw.registration.scope).href;
    event.waitUntil(
      (async () => {
        const [open] = await appWindows(sw);
        if (!open) {
          await sw.clients.openWindow(target);
          return;
        }
        await open.focus();
        open.postMessage({ type: "convoy:open-route", url: target } satisfies OpenRouteMessage);
      })(),
    );
  });
}
