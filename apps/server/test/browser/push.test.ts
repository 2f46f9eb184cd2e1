import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { demoLogin, eq, pushSubscriptions } from "@convoy/db";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { signIn } from "../support/appPages";
import { loadInput } from "../support/offerFixtures";
import { startPushTestServer, vapidKeyPair, type PushTestServer } from "../support/pushTestServer";

const apps = builtAppsDir();
const vapid = { ...vapidKeyPair(), subject: "mailto:push-test@convoy.invalid" };
const t = useTestServer({ staticDir: apps.dir, push: { vapid, allowLoopbackHttp: true } });
const browser = useBrowser();
let pushServer: PushTestServer;

beforeAll(async () => {
  pushServer = await startPushTestServer();
});
afterAll(async () => {
  await pushServer.stop();
  apps.remove();
});

/** What `registration.getNotifications()` shows of a notification. */
interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  data: { url: string };
}

/**
 * Headless Chromium offline has no push service to subscribe with (Chrome's is Google's, on
 * the internet), so the page's `PushManager.subscribe` is answered by the test push server
 * instead: it makes the subscription (endpoint and keys) a browser would get, and everything
 * after it — the app's call to `push.subscribe`, the server's encrypted send, the delivery —
 * is real. `applicationServerKey` is passed through, so the push server checks the app
 * subscribed with the server's VAPID key.
 */
async function answerSubscribeWithTestPushServer(page: Page): Promise<{ clientHash: () => string }> {
  let clientHash = "";
  await page.exposeFunction("__convoyTestSubscribe", async (applicationServerKey: string) => {
    const subscription = await pushServer.subscribe(applicationServerKey);
    clientHash = subscription.clientHash;
    return { endpoint: subscription.endpoint, keys: subscription.keys };
  });
  await page.addInitScript(() => {
    type Json = { endpoint: string; keys: { p256dh: string; auth: string } };
    const scope = globalThis as unknown as {
      PushManager: { prototype: Record<string, unknown> };
      __convoyTestSubscribe: (key: string) => Promise<Json>;
      btoa: (bytes: string) => string;
    };
    let current: object | null = null;
    const toBase64url = (buffer: ArrayBuffer) =>
      scope
        .btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
    scope.PushManager.prototype.getSubscription = () => Promise.resolve(current);
    scope.PushManager.prototype.subscribe = async (options: { applicationServerKey: ArrayBufferView }) => {
      const key = options.applicationServerKey;
      const buffer = key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength) as ArrayBuffer;
      const json = await scope.__convoyTestSubscribe(toBase64url(buffer));
      current = {
        endpoint: json.endpoint,
        options: { applicationServerKey: buffer, userVisibleOnly: true },
        toJSON: () => ({ ...json, expirationTime: null }),
        unsubscribe: () => {
          current = null;
          return Promise.resolve(true);
        },
      };
      return current;
    };
  });
  return { clientHash: () => clientHash };
}

/** The notifications the app's service worker is showing, read from another page of the same origin. */
function shownNotifications(page: Page, scope: string): Promise<ShownNotification[]> {
  return page.evaluate(async (scopePath) => {
    type Registration = { getNotifications: () => Promise<{ title: string; body: string; tag: string; data: { url: string } }[]> };
    const { serviceWorker } = (
      globalThis as unknown as { navigator: { serviceWorker: { getRegistration: (path: string) => Promise<Registration | undefined> } } }
    ).navigator;
    const registration = await serviceWorker.getRegistration(scopePath);
    const shown = (await registration?.getNotifications()) ?? [];
    return shown.map(({ title, body, tag, data }) => ({ title, body, tag, data }));
  }, scope);
}

describe("notifications in the driver app", () => {
  it("Enable notifications subscribes this session; a new offer is pushed, and the service worker shows it while the app is closed", async () => {
    const page = await browser.newPage();
    await page.context().grantPermissions(["notifications"], { origin: t.url });
    const push = await answerSubscribeWithTestPushServer(page);
    await signIn(page, t.url, "driver", demoLogin("driver", 19));
    const driver = await t.as("driver", 19);

    // On a phone the bell fits the one-row header.
    const header = await page.locator(".convoy-header").boundingBox();
    expect(header!.height).toBeLessThanOrEqual(60);
    await page.getByRole("button", { name: "Enable notifications", exact: true }).click();
    await page.getByRole("button", { name: "Notifications on", exact: true }).waitFor();
    const rows = await t.db
      .select({ endpoint: pushSubscriptions.endpoint })
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.userId, driver.userId));
    expect(rows).toEqual([{ endpoint: `${pushServer.url}/notify/${push.clientHash()}` }]);

    const dispatcher = await t.as("dispatcher");
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const [pushed] = await pushServer.waitForMessages<{ title: string; body: string; url: string; tag: string }>(
      push.clientHash(),
      (all) => all.length > 0,
    );
    expect(pushed).toEqual({
      title: "New load offer: $450.00",
      body: "100 N State St, Chicago → O'Hare Cargo Area, Chicago",
      url: `#/offers/${offer.id}`,
      tag: `offer-${offer.id}`,
    });

    // The app is closed; the same message reaches its service worker (Chromium's DevTools
    // protocol delivers it as the push service would), which shows it.
    const elsewhere = await page.context().newPage();
    await elsewhere.goto(`${t.url}/rider/`);
    const cdp = await page.context().newCDPSession(elsewhere);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
        const driverApp = registrations.find((registration) => registration.scopeURL === `${t.url}/driver/` && !registration.isDeleted);
        if (driverApp) resolve(driverApp.registrationId);
      });
    });
    await cdp.send("ServiceWorker.enable");
    await page.close();
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: t.url, registrationId: await registrationId, data: JSON.stringify(pushed) });
    await expect
      .poll(() => shownNotifications(elsewhere, "/driver/"))
      .toEqual([{ title: pushed!.title, body: pushed!.body, tag: `offer-${offer.id}`, data: { url: `#/offers/${offer.id}` } }]);
  });

  it("turning notifications off unsubscribes on the server", async () => {
    const page = await browser.newPage();
    await page.context().grantPermissions(["notifications"], { origin: t.url });
    await answerSubscribeWithTestPushServer(page);
    await signIn(page, t.url, "driver", demoLogin("driver", 20));
    const driver = await t.as("driver", 20);
    await page.getByRole("button", { name: "Enable notifications", exact: true }).click();
    await page.getByRole("button", { name: "Notifications on", exact: true }).click();
    await page.getByRole("button", { name: "Enable notifications", exact: true }).waitFor();
    expect(await t.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, driver.userId))).toEqual([]);
  });
});
