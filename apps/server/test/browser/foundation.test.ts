import { afterAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { drivers, eq, trips, demoLogin, DEMO_ACCOUNT_COUNTS, SIMULATED_DRIVER_COUNT, type DemoLogin } from "@convoy/db";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";

const apps = builtAppsDir();
const t = useTestServer({ staticDir: apps.dir });
const browser = useBrowser();
afterAll(() => apps.remove());

const DESKTOP = { width: 1280, height: 800 };

async function signIn(page: Page, app: string, { email, password }: DemoLogin) {
  await page.goto(`${t.url}/${app}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function expectConnected(page: Page) {
  const badge = page.locator(".convoy-badge");
  await badge.and(page.locator('[data-status="connected"]')).waitFor();
  expect(await badge.textContent()).toBe("Connected");
}

/** The app's refresh cookie as the browser holds it, or undefined. */
async function refreshCookie(page: Page, app: string) {
  const cookies = await page.context().cookies(`${t.url}/trpc/auth.refresh`);
  return cookies.find((cookie) => cookie.name === `convoy_refresh_${app}`);
}

/** Everything the page's script can see of the session: nothing may be stored there. */
const scriptVisibleStorage = (page: Page) =>
  page.evaluate(() => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    // Runs in the page; the test's own types have no DOM.
    cookie: (globalThis as unknown as { document: { cookie: string } }).document.cookie,
  }));

describe("dispatcher app", () => {
  it("shows every driver after login, filters by availability, and survives a reload", async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await signIn(page, "dispatcher", demoLogin("dispatcher"));
    const rows = page.locator('table[aria-label="Drivers"] tbody tr');
    await rows.first().waitFor();
    // The people's demo drivers and the simulator's.
    expect(await rows.count()).toBe(DEMO_ACCOUNT_COUNTS.driver + SIMULATED_DRIVER_COUNT);
    // A selection checkbox first, and no trip or distance until there is one.
    expect(await rows.first().locator("td").allTextContents()).toEqual([
      "",
      "Ava A. (driver 1)",
      "Car",
      "400 kg",
      "Available",
      "Offline · never seen",
      "—",
      "★ 4.0 (5)",
      "—",
    ]);
    await expectConnected(page);

    const dispatcher = await t.as("dispatcher");
    const offline = await dispatcher.api.drivers.list.query({ availability: ["offline"] });
    expect(offline.length).toBeGreaterThan(0);
    await page.getByLabel("Availability").selectOption("offline");
    await expect.poll(() => rows.count()).toBe(offline.length);
    expect(await rows.locator(".convoy-pill").allTextContents()).toEqual(offline.map(() => "Offline"));

    // The refresh token is an HttpOnly, SameSite=Strict cookie for the refresh endpoint only;
    // script sees no token anywhere. A reload restores the session through that cookie.
    expect(await refreshCookie(page, "dispatcher")).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/trpc/auth.refresh" });
    expect(await scriptVisibleStorage(page)).toEqual({ local: [], session: [], cookie: "" });
    await page.reload();
    await rows.first().waitFor();
    expect(await page.getByLabel("Email").count()).toBe(0);
    await expectConnected(page);
  });

  it("turns a driver away with the wrong-role message and keeps no session", async () => {
    const page = await browser.newPage();
    await signIn(page, "dispatcher", demoLogin("driver"));
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("This app is for dispatchers; you signed in as a driver.");
    await expect.poll(() => refreshCookie(page, "dispatcher")).toBeUndefined();
    expect(await page.locator(".convoy-header").count()).toBe(0);
  });

  it("shows the server's reason for a wrong password", async () => {
    const page = await browser.newPage();
    await signIn(page, "dispatcher", { ...demoLogin("dispatcher"), password: "not-the-password" });
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("Wrong email or password");
  });
});

describe("driver app", () => {
  it("shows the driver and toggles availability through the API", async () => {
    const page = await browser.newPage();
    await signIn(page, "driver", demoLogin("driver"));
    await page.getByRole("heading", { name: "Ava A. (driver 1)" }).waitFor();
    await expectConnected(page);
    const toggle = page.getByRole("switch");
    await page.locator('[role="switch"][aria-checked="true"]').waitFor();

    const dispatcher = await t.as("dispatcher");
    const availabilityOfDriver1 = async () => (await dispatcher.api.drivers.byId.query({ driverId: (await t.as("driver", 1)).userId })).availability;

    await toggle.click();
    await page.locator('[role="switch"][aria-checked="false"]:not([disabled])').waitFor();
    expect(await toggle.textContent()).toBe("Offline");
    expect(await availabilityOfDriver1()).toBe("offline");

    await toggle.click();
    await page.locator('[role="switch"][aria-checked="true"]:not([disabled])').waitFor();
    expect(await availabilityOfDriver1()).toBe("available");
    await page.getByText("You are available for offers").waitFor();
  });

  it("shows the server's refusal when a driver on a trip tries to go offline", async () => {
    const driver2 = await t.as("driver", 2);
    await t.db.update(drivers).set({ availability: "busy" }).where(eq(drivers.userId, driver2.userId));
    await t.db.insert(trips).values({
      kind: "load",
      driverId: driver2.userId,
      pickupAddress: "1 Pickup St",
      pickupLat: 41.88,
      pickupLng: -87.63,
      dropoffAddress: "2 Dropoff Ave",
      dropoffLat: 41.9,
      dropoffLng: -87.65,
      status: "assigned",
    });

    const page = await browser.newPage();
    await signIn(page, "driver", demoLogin("driver", 2));
    const toggle = page.getByRole("switch");
    await page.getByText("Busy: on a trip").waitFor();
    await toggle.click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("You have an active trip; you stay busy until it ends");
  });

  it("signs out: the login form returns, the refresh cookie is gone and a reload stays signed out", async () => {
    const page = await browser.newPage();
    await signIn(page, "driver", demoLogin("driver", 3));
    await expectConnected(page);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Email").waitFor();
    await expect.poll(() => refreshCookie(page, "driver")).toBeUndefined();
    await page.reload();
    await page.getByLabel("Email").waitFor();
  });

  it("returns to the login screen saying why when the session is ended from another device", async () => {
    const page = await browser.newPage();
    await signIn(page, "driver", demoLogin("driver", 5));
    await expectConnected(page);
    const elsewhere = await t.as("driver", 5);
    await elsewhere.api.auth.logoutEverywhere.mutate();
    await page.getByLabel("Email").waitFor();
    expect(await page.locator(".convoy-notice").textContent()).toBe("You were signed out on every device; sign in again");
  });
});

describe("rider app", () => {
  it("shows the rider's first screen with a live connection", async () => {
    const page = await browser.newPage();
    await signIn(page, "rider", demoLogin("rider"));
    await page.getByRole("heading", { name: "Where to?" }).waitFor();
    expect(await page.getByText("Hi Rider 1").count()).toBe(1);
    await expectConnected(page);
  });

  it("shows offline when the browser loses the network, and connected again after", async () => {
    const page = await browser.newPage();
    await signIn(page, "rider", demoLogin("rider", 2));
    await expectConnected(page);
    await page.context().setOffline(true);
    await page.locator('.convoy-badge[data-status="offline"]').waitFor();
    await page.context().setOffline(false);
    await expectConnected(page);
  });

  it("drops a refresh cookie the server refuses and asks to sign in", async () => {
    const page = await browser.newPage();
    await page.context().addCookies([
      {
        name: "convoy_refresh_rider",
        value: "not-a-real-token",
        domain: new URL(t.url).hostname,
        path: "/trpc/auth.refresh",
        httpOnly: true,
        sameSite: "Strict",
      },
    ]);
    await page.goto(`${t.url}/rider/`);
    await page.getByLabel("Email").waitFor();
    expect(await page.locator(".convoy-notice").textContent()).toBe("Your session has expired; sign in again");
    await expect.poll(() => refreshCookie(page, "rider")).toBeUndefined();
  });
});
