import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { demoLogin, type DemoLogin } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { addDrivers, addRiders, area, assignedRide, offsetKm, type Point } from "../support/tripFixtures";

const apps = builtAppsDir();
const t = useTestServer({ staticDir: apps.dir, trips: { searchRadiusKm: 2 } });
const browser = useBrowser();
afterAll(() => apps.remove());

const DESKTOP = { width: 1280, height: 800 };

let rider: LoggedInClient;
let driver: LoggedInClient;

beforeAll(async () => {
  [rider] = (await addRiders(t, 1)) as [LoggedInClient];
  [driver] = (await addDrivers(t, 1)) as [LoggedInClient];
});

async function signIn(page: Page, app: string, { email, password }: DemoLogin) {
  await page.goto(`${t.url}/${app}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

let clock = Date.now();
async function report(at: Point): Promise<void> {
  clock = Math.max(clock + 1, Date.now());
  await driver.api.tracking.report.mutate({ points: [{ ...at, recordedAt: clock }] });
}

describe("a tracking link", () => {
  it(
    "made by the dispatcher shows a signed-out browser the driver moving and the status, until the dispatcher revokes it",
    { timeout: 90_000 },
    async () => {
      const { tripId, pickup } = await assignedRide(t, rider, driver, area(5));

      // The dispatcher opens the trip and makes a link for the consignee.
      const desk = await browser.newPage({ viewport: DESKTOP });
      await signIn(desk, "dispatcher", demoLogin("dispatcher"));
      await desk.locator('.convoy-badge[data-status="connected"]').waitFor();
      await desk.goto(`${t.url}/dispatcher/#/trips/${tripId}`);
      const detail = desk.locator(`.dispatch-trip[data-trip-id="${tripId}"]`);
      const share = detail.getByRole("region", { name: "Share tracking link" });
      await share.getByLabel("For (optional)").fill("Receiving dock");
      await share.getByRole("button", { name: "Create link" }).click();
      const urlField = share.getByLabel("New tracking link");
      await urlField.waitFor();
      const url = await urlField.inputValue();
      expect(url).toMatch(new RegExp(`^${t.url}/rider/#/track/[A-Za-z0-9_-]{43}$`));
      await share.locator('.convoy-share__link[data-state="live"]', { hasText: "Receiving dock" }).waitFor();

      // Someone with no account opens it in a browser of their own.
      const consignee = await browser.newPage();
      await consignee.goto(url);
      const live = consignee.locator('.rider-track__live[data-track-state="live"]');
      await live.locator("h1", { hasText: "Driver assigned" }).waitFor();
      expect(await consignee.getByLabel("Email").count()).toBe(0);

      // The driver moves: the page's map follows, with an ETA to the pickup.
      const first = offsetKm(pickup, 1.2);
      await report(first);
      const map = consignee.locator(".rider-track__map");
      await consignee.locator(`.rider-track__map[data-driver-lat="${first.lat}"]`).waitFor();
      await consignee.locator('[data-marker-id="driver"]').waitFor();
      await expect.poll(() => live.locator(".rider-eta").textContent()).toMatch(/to the pickup$/);
      const second = offsetKm(pickup, 0.4);
      await report(second);
      await expect.poll(() => map.getAttribute("data-driver-lat")).toBe(String(second.lat));

      // The status changes live.
      await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
      await consignee.locator('.rider-track__live[data-status="en_route"]').locator("h1", { hasText: "En route" }).waitFor();
      const page = await consignee.content();
      expect(page).not.toContain("trip-driver 0");
      expect(page).not.toContain("Receiving dock");

      // The dispatcher revokes it: the open page says so at once, and a reload finds nothing.
      await share.getByRole("button", { name: "Revoke Receiving dock" }).click();
      const ended = consignee.locator('.rider-track__over[data-track-state="ended"][data-ended="revoked"]');
      await ended.waitFor();
      expect(await ended.textContent()).toContain("turned off by the person who shared it");
      await share.locator('.convoy-share__link[data-state="revoked"]', { hasText: "Receiving dock" }).waitFor();
      await consignee.reload();
      await consignee.locator('.rider-track__over[data-track-state="refused"]').getByText("This tracking link does not work").waitFor();
    },
  );
});
