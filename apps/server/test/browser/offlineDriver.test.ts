import { afterAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { and, count, eq, events, messages, tripStatusActions, trips, type DemoLogin } from "@convoy/db";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { signIn } from "../support/appPages";
import { createExtraUsers, loadInput, loginExtra } from "../support/fixtures";

/** Where the driver app keeps its offline record (`apps/driver/src/offline/offlineStore.ts`). */
const STORAGE_KEY = "convoy.driver.offline";

// The built driver app, served as in production: its service worker only works from a build.
const apps = builtAppsDir();
const t = useTestServer({ staticDir: apps.dir });
const browser = useBrowser();
afterAll(() => apps.remove());

/** The server's record of the trip: its status, its stored moves to en_route, the keys stored for it. */
async function tripOnServer(tripId: number) {
  const [trip] = await t.db.select({ status: trips.status }).from(trips).where(eq(trips.id, tripId));
  const moves = await t.db
    .select({ payload: events.payload })
    .from(events)
    .where(and(eq(events.tripId, tripId), eq(events.type, "trip.status_changed")));
  const [keys] = await t.db.select({ n: count() }).from(tripStatusActions).where(eq(tripStatusActions.tripId, tripId));
  return { status: trip?.status, enRouteMoves: moves.filter((move) => move.payload.to === "en_route").length, keys: keys?.n ?? 0 };
}

/** What the driver app keeps in localStorage, as stored ("null" when nothing). */
function storedRecord(page: Page): Promise<string> {
  return page.evaluate(`localStorage.getItem(${JSON.stringify(STORAGE_KEY)}) ?? "null"`);
}

async function messagesWith(body: string): Promise<number> {
  const [row] = await t.db.select({ n: count() }).from(messages).where(eq(messages.body, body));
  return row?.n ?? 0;
}

describe("the driver app offline", () => {
  it("opens with no network showing the trip and offers last seen, queues a move and a message, and sends each once when back", async () => {
    const dispatcher = await t.as("dispatcher");
    const [created] = await createExtraUsers(t.db, "driver", 1, "offline");
    const driver = await loginExtra(t, created!.email);
    const login: DemoLogin = { role: "driver", email: created!.email, password: "extra-pass-123" };
    // A load the driver won (their trip) and another still open for them.
    const won = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    await driver.api.offers.respond.mutate({ offerId: won.id, action: "accept" });
    const [trip] = await t.db.select({ id: trips.id }).from(trips).where(eq(trips.offerId, won.id));
    const open = await dispatcher.api.offers.create.mutate(loadInput([driver.userId], { notes: "Second load" }));

    const page = await browser.newPage();
    await signIn(page, t.url, "driver", login);
    await page.locator(`.driver-trip[data-trip-id="${trip!.id}"][data-status="assigned"]`).waitFor();
    await page.locator(`.driver-offer-item[data-offer-id="${open.id}"]`).waitFor();
    // The service worker is active (so the shell is precached) and the screen is saved for offline.
    // (Page code as strings: the server's tsconfig has no DOM types.)
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)");
    await page.waitForFunction(
      `(() => {
        const saved = JSON.parse(localStorage.getItem(${JSON.stringify(STORAGE_KEY)}) ?? "null")?.saved;
        return saved?.activeTrip?.id === ${trip!.id} && saved.offers.some((offer) => offer.id === ${open.id});
      })()`,
    );

    await page.context().setOffline(true);
    await page.reload();
    const savedTrip = page.locator(`.driver-trip[data-trip-id="${trip!.id}"]`);
    await savedTrip.waitFor();
    await page.locator('.driver-offline-notice[data-offline="true"]').waitFor();
    await page.locator('.convoy-badge[data-status="offline"]').waitFor();
    await page.locator(`.driver-offer-item[data-offer-id="${open.id}"]`).waitFor();

    await savedTrip.locator('[data-next-status="en_route"]').click();
    await page.locator(`.driver-trip[data-trip-id="${trip!.id}"][data-status="en_route"]`).waitFor();
    const body = `Running late, no signal ${trip!.id}`;
    await page.getByLabel("Message to dispatch").fill(body);
    await page.getByRole("button", { name: "Send when back online" }).click();
    const queue = page.getByRole("region", { name: "Waiting to send" });
    await queue.getByText("2 actions waiting to send").waitFor();
    expect(await queue.locator("li").allTextContents()).toEqual([
      expect.stringContaining("Start driving"),
      expect.stringContaining(`Message to dispatch: “${body}”`),
    ]);
    // Nothing reached the server while offline.
    expect(await tripOnServer(trip!.id)).toEqual({ status: "assigned", enRouteMoves: 0, keys: 0 });
    expect(await messagesWith(body)).toBe(0);

    await page.context().setOffline(false);
    await page.locator('.convoy-badge[data-status="connected"]').waitFor();
    await queue.waitFor({ state: "detached" });
    await page.locator(`.driver-trip[data-trip-id="${trip!.id}"][data-status="en_route"]`).waitFor();

    expect(await tripOnServer(trip!.id)).toEqual({ status: "en_route", enRouteMoves: 1, keys: 1 });
    expect(await messagesWith(body)).toBe(1);
    // Nothing is left to send again: the stored queue is empty.
    expect(JSON.parse(await storedRecord(page))).toMatchObject({ queue: [], points: [], failed: [] });

    // Signing out leaves nothing of the driver on the phone.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Email").waitFor();
    expect(await storedRecord(page)).toBe("null");
  });
});
