import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../errors";
import { useSignedInUser } from "../session";
import { useToast } from "../toasts";
import { trpc } from "../trpc";
import type { OpenRouteMessage } from "./serviceWorkerPush";

/**
 * Where notifications stand in this browser for the signed-in user:
 * - `unsupported`: no service workers or Push API here (or not a secure origin);
 * - `unavailable`: the server sends no push (it has no VAPID keys);
 * - `denied`: the browser blocks notifications for this site; only its settings can change that;
 * - `off` / `on`; `turningOn` / `turningOff` while it changes, `checking` at start.
 */
export type PushState = "unsupported" | "checking" | "unavailable" | "denied" | "off" | "on" | "turningOn" | "turningOff";

/** Remembers, per app, which user turned notifications on in this browser. */
const enabledKey = (scope: string) => `convoy:push:${scope}`;

function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window && window.isSecureContext;
}

/**
 * The app's service worker: in development Vite serves its source as a module (its header lets
 * it control the whole app, see `convoyAppConfig`), in a build it is `sw.js` beside index.html.
 */
function registerServiceWorker(): Promise<ServiceWorkerRegistration> {
  const base = import.meta.env.BASE_URL;
  const script = import.meta.env.DEV ? `${base}src/sw.ts` : `${base}sw.js`;
  // The built worker has no imports, so it runs as a classic script, which every browser takes.
  return navigator.serviceWorker.register(script, { type: import.meta.env.DEV ? "module" : "classic", scope: base });
}

function base64urlBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Whether `subscription` was made for `publicKey` (a server with new keys needs a new one). */
function madeFor(subscription: PushSubscription, publicKey: string): boolean {
  const key = subscription.options.applicationServerKey;
  if (!key) return false;
  const expected = base64urlBytes(publicKey);
  const actual = new Uint8Array(key);
  return actual.length === expected.length && actual.every((byte, i) => byte === expected[i]);
}

function toInput(subscription: PushSubscription) {
  const json = subscription.toJSON();
  return { endpoint: json.endpoint ?? "", keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" } };
}

/**
 * OS notifications for the signed-in user through the app's service worker: `enable` asks the
 * browser's permission, subscribes with the server's VAPID key and registers the subscription
 * for this session; `disable` undoes both. A user who turned them on in this browser has them
 * registered again for each new session by itself (a sign-out removes them on the server).
 * A click on a notification while the app is open moves it to the notification's route.
 */
export function usePushNotifications(): { state: PushState; problem: string | null; enable: () => void; disable: () => void } {
  const user = useSignedInUser();
  const utils = trpc.useUtils();
  const [state, setState] = useState<PushState>(() => (pushSupported() ? "checking" : "unsupported"));
  const [problem, setProblem] = useState<string | null>(null);
  const storageKey = enabledKey(import.meta.env.BASE_URL);

  const subscribe = useCallback(
    async (publicKey: string, ask: boolean): Promise<PushState> => {
      const permission = ask ? await Notification.requestPermission() : Notification.permission;
      if (permission === "denied") return "denied";
      if (permission !== "granted") return "off";
      await registerServiceWorker();
      const registration = await navigator.serviceWorker.ready;
      let subscription = await registration.pushManager.getSubscription();
      if (subscription && !madeFor(subscription, publicKey)) {
        await subscription.unsubscribe();
        subscription = null;
      }
      subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64urlBytes(publicKey) });
      await utils.client.push.subscribe.mutate(toInput(subscription));
      localStorage.setItem(storageKey, String(user.id));
      return "on";
    },
    [utils, storageKey, user.id],
  );

  // On start: hidden when the server sends no push; on again for a user who had it on here;
  // otherwise off (or what blocks it).
  useEffect(() => {
    if (!pushSupported()) return;
    let cancelled = false;
    const wasOn = localStorage.getItem(storageKey) === String(user.id);
    const settle = (async (): Promise<PushState> => {
      const { publicKey } = await utils.client.push.publicKey.query();
      if (!publicKey) return "unavailable";
      if (wasOn && Notification.permission === "granted") return subscribe(publicKey, false);
      return Notification.permission === "denied" ? "denied" : "off";
    })();
    settle.then(
      (next) => !cancelled && setState(next),
      (error: unknown) => {
        if (cancelled) return;
        setState("off");
        setProblem(errorMessage(error));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [subscribe, utils, storageKey, user.id]);

  // A notification clicked while the app is open: go to its route here.
  useEffect(() => {
    if (!pushSupported()) return;
    const onMessage = (event: MessageEvent) => {
      const message = event.data as Partial<OpenRouteMessage> | null;
      if (message?.type !== "convoy:open-route" || typeof message.url !== "string") return;
      const target = new URL(message.url);
      if (target.origin === window.location.origin && target.pathname === window.location.pathname) window.location.hash = target.hash;
    };
    navigator.serviceWorker.addEventListener("message", onMessage);
    return () => navigator.serviceWorker.removeEventListener("message", onMessage);
  }, []);

  const enable = useCallback(() => {
    setState("turningOn");
    setProblem(null);
    (async () => {
      const { publicKey } = await utils.client.push.publicKey.query();
      return publicKey ? subscribe(publicKey, true) : "unavailable";
    })().then(setState, (error: unknown) => {
      setState("off");
      setProblem(errorMessage(error));
    });
  }, [subscribe, utils]);

  const disable = useCallback(() => {
    setState("turningOff");
    setProblem(null);
    localStorage.removeItem(storageKey);
    (async () => {
      const registration = await navigator.serviceWorker.getRegistration(import.meta.env.BASE_URL);
      const subscription = await registration?.pushManager.getSubscription();
      if (subscription) {
        await utils.client.push.unsubscribe.mutate({ endpoint: subscription.endpoint });
        await subscription.unsubscribe();
      }
    })().then(
      () => setState("off"),
      (error: unknown) => {
        setState("on");
        setProblem(errorMessage(error));
      },
    );
  }, [utils, storageKey]);

  return { state, problem, enable, disable };
}

const TITLES: Record<PushState, string> = {
  unsupported: "This browser cannot show notifications from a web app",
  checking: "",
  unavailable: "This server sends no notifications",
  denied: "Notifications are blocked for this site; allow them in the browser's site settings",
  off: "Get a notification when something needs you and this app is in the background",
  on: "You get notifications on this device; press to stop them",
  turningOn: "…",
  turningOff: "…",
};

/** The button's words; while it changes they say which way, so "Enable notifications" means done. */
const LABELS: Record<PushState, string> = {
  unsupported: "",
  checking: "",
  unavailable: "",
  denied: "Notifications blocked",
  off: "Enable notifications",
  on: "Notifications on",
  turningOn: "Turning notifications on…",
  turningOff: "Turning notifications off…",
};

/** The header control: "Enable notifications", or "Notifications on" to turn them off. */
export function NotificationsToggle() {
  const { state, problem, enable, disable } = usePushNotifications();
  const toast = useToast();
  useEffect(() => {
    if (problem) toast(`Notifications: ${problem}`, { tone: "error" });
  }, [problem, toast]);
  if (state === "unsupported" || state === "checking" || state === "unavailable") return null;
  const on = state === "on";
  const changing = state === "turningOn" || state === "turningOff";
  return (
    <button
      className="convoy-button convoy-button--quiet convoy-push-toggle"
      type="button"
      aria-pressed={on}
      aria-busy={changing}
      disabled={changing || state === "denied"}
      title={TITLES[state]}
      onClick={on ? disable : enable}
    >
      <svg className="convoy-push-toggle__bell" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      <span className="convoy-push-toggle__label">{LABELS[state]}</span>
    </button>
  );
}
