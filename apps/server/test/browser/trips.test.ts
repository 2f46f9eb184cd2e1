import { afterAll, describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { offsetKm } from "../support/tripFixtures";
import { eventually } from "../support/tracking";
import { demoLogin, type DemoLogin } from "@convoy/db";

const apps = builtAppsDir();
// A small search and one driver per wave: the ride goes to the nearest available driver only.
const t = useTestServer({ staticDir: apps.dir, trips: { searchRadiusKm: 3, waveSizes: [1], offerTimeoutSeconds: 30 } });
const browser = useBrowser();
afterAll(() => apps.remove());

const DESKTOP = { width: 1280, height: 800 };
/** Downtown Chicago: the seeded drivers are 1.5 km and more away from it. */
const PICKUP = { lat: 41.8781, lng: -87.6298 };
/** Where driver 1's phone says they are: 700 m south of the pickup, nearer than anyone else. */
const DRIVER_START = offsetKm(PICKUP, -0.7);

async function signIn(page: Page, app: string, { email, password }: DemoLogin) {
  await page.goto(`${t.url}/${app}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A page whose browser reports `at` as its position, with permission already given. */
async function pageAt(at: { lat: number; lng: number }, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage(viewport ? { viewport } : undefined);
  await page.context().grantPermissions(["geolocation"], { origin: t.url });
  await page.context().setGeolocation({ latitude: at.lat, longitude: at.lng });
  return page;
}

/** Where Leaflet draws a marker: its CSS transform, which a glide updates every frame. */
function markerTransform(marker: Locator): Promise<string> {
  return marker.evaluate((element) => (element as unknown as { style: { transform: string } }).style.transform);
}

/** The coordinates a marker stands for (or is gliding to). */
async function markerAt(marker: Locator): Promise<string> {
  return `${await marker.getAttribute("data-lat")},${await marker.getAttribute("data-lng")}`;
}

/** Waits until `read` gives something other than `before`, and returns it. */
async function changed(read: () => Promise<string>, before: string): Promise<string> {
  let now = before;
  await expect.poll(async () => (now = await read()), { timeout: 20_000 }).not.toBe(before);
  return now;
}

describe("a ride through the three apps", () => {
  it(
    "is requested on the rider's map, accepted and driven by the driver, followed live, rated, and seen on the fleet map",
    { timeout: 150_000 },
    async () => {
      const driverApi = await t.as("driver", 1);
      const dispatcherApi = await t.as("dispatcher");

      // The dispatcher watches the fleet.
      const desk = await browser.newPage({ viewport: DESKTOP });
      await signIn(desk, "dispatcher", demoLogin("dispatcher"));
      await desk.getByRole("link", { name: "Fleet" }).click();
      // Picked in the list, the driver is drawn on their own wherever the fleet is grouped.
      await desk.locator(`.dispatch-fleet__row[data-driver-id="${driverApi.userId}"] .dispatch-fleet__driver`).click();
      const fleetMarker = desk.locator(`[data-marker-id="driver-${driverApi.userId}"]`);
      await fleetMarker.waitFor();
      // Not connected yet: grey whatever the availability switch says.
      expect(await fleetMarker.getAttribute("data-tone")).toBe("offline");

      // The driver's phone shares its position: the server learns it through tracking.report.
      const driver = await pageAt(DRIVER_START);
      await signIn(driver, "driver", demoLogin("driver"));
      await driver.locator('[data-sharing="on"]').waitFor();
      await eventually(
        async () => {
          const fleet = await dispatcherApi.api.tracking.fleet.query();
          const position = fleet.drivers.find((entry) => entry.id === driverApi.userId)?.position;
          return position && Math.abs(position.lat - DRIVER_START.lat) < 1e-6 ? position : undefined;
        },
        15_000,
        "driver 1's shared position",
      );
      await expect.poll(() => fleetMarker.getAttribute("data-tone")).toBe("available");

      // The rider sets the pickup from the device position and taps the dropoff on the map.
      const rider = await pageAt(PICKUP);
      await signIn(rider, "rider", demoLogin("rider"));
      await rider.getByRole("heading", { name: "Where to?" }).waitFor();
      await rider.getByRole("button", { name: "Use my current location as pickup" }).click();
      const pickupField = rider.getByLabel("Pickup address");
      await expect.poll(() => pickupField.inputValue()).toBe("My current location");
      const map = rider.getByRole("region", { name: "Map: tap to set the pickup and dropoff" });
      const box = (await map.boundingBox())!;
      await map.click({ position: { x: box.width * 0.85, y: box.height * 0.15 } });
      const dropoffField = rider.getByLabel("Dropoff address");
      await expect.poll(() => dropoffField.inputValue()).toMatch(/^Pin at /);
      await pickupField.fill("Daley Plaza");
      await dropoffField.fill("Navy Pier <b>east</b>");
      await rider.locator(".rider-quote").waitFor();
      await rider.getByRole("button", { name: "Request ride" }).click();
      await rider.locator(".rider-trip").waitFor();
      const tripId = Number(await rider.locator(".rider-trip").getAttribute("data-trip-id"));
      expect(tripId).toBeGreaterThan(0);
      const requested = await dispatcherApi.api.trips.byId.query({ tripId });
      expect(requested.pickup).toMatchObject({ address: "Daley Plaza", ...PICKUP });
      expect(requested.dropoff.address).toBe("Navy Pier <b>east</b>");
      // Addresses are text, never markup.
      expect(await rider.getByText("Navy Pier <b>east</b>").count()).toBeGreaterThan(0);

      // A second dispatcher screen follows the trip in the trips list.
      const trips = await browser.newPage({ viewport: DESKTOP });
      await signIn(trips, "dispatcher", demoLogin("dispatcher"));
      await trips.getByRole("link", { name: "Trips" }).click();
      const row = trips.locator(`tr[data-trip-id="${tripId}"]`);
      await row.locator('[data-status="requested"]').waitFor();
      await row.click();
      const detail = trips.locator(`.dispatch-trip[data-trip-id="${tripId}"]`);
      await detail.waitFor();

      // The nearest driver gets the ride with a countdown, and accepts it.
      const offerCard = driver.locator(".driver-ride");
      await offerCard.waitFor();
      expect(await offerCard.locator(".driver-ride__countdown").textContent()).toMatch(/^0:[0-3]\d$/);
      await driver.getByRole("button", { name: "Accept ride" }).click();

      // The rider sees who is coming; the timeline has the steps so far, with times.
      await rider.getByRole("heading", { name: "Ava A. (driver 1) accepted your ride" }).waitFor();
      await rider.locator(".rider-driver").getByText("Car · ★ 4.0 (5)").waitFor();
      for (const step of ["requested", "searching", "assigned"]) {
        expect(await rider.locator(`.rider-timeline [data-step="${step}"] time`).textContent()).toMatch(/^\d\d:\d\d$/);
      }

      // The driver sets off with the demo drive on: positions at 1 Hz toward the pickup.
      await driver.getByRole("button", { name: "Start driving" }).click();
      await rider.getByRole("heading", { name: "Ava A. (driver 1) is on the way" }).waitFor();
      await driver.getByLabel(/Simulate movement/).check();

      // The rider watches the driver's marker move and the ETA count down.
      const eta = rider.locator(".rider-eta[data-eta-seconds]");
      await eta.waitFor();
      const riderMarker = rider.locator('[data-marker-id="driver"]');
      await riderMarker.waitFor();
      const firstEta = (await eta.textContent())!;
      expect(firstEta).toMatch(/until pickup · \d+ m away$/);
      const firstAt = await markerAt(riderMarker);
      const firstTransform = await markerTransform(riderMarker);
      // Two steps of the drive at least, so the trail has a shape.
      const secondEta = await changed(async () => (await eta.textContent())!, firstEta);
      await changed(async () => (await eta.textContent())!, secondEta);
      await changed(() => markerAt(riderMarker), firstAt);
      await changed(() => markerTransform(riderMarker), firstTransform);
      const etaSeconds = Number(await eta.getAttribute("data-eta-seconds"));
      expect(etaSeconds).toBeGreaterThan(0);

      // The trips list shows the status live, and the selected trip its live ETA.
      await row.locator('[data-status="en_route"]').waitFor();
      const deskEta = detail.locator(".dispatch-eta");
      await deskEta.waitFor();
      expect(await deskEta.textContent()).toMatch(/ETA to pickup /);

      // The dispatcher's fleet map shows the driver moving too, now busy.
      await expect.poll(() => fleetMarker.getAttribute("data-tone")).toBe("busy");
      const fleetAt = await markerAt(fleetMarker);
      const fleetTransform = await markerTransform(fleetMarker);
      await changed(() => markerAt(fleetMarker), fleetAt);
      await changed(() => markerTransform(fleetMarker), fleetTransform);

      // Demo drive off; the phone is at the pickup, so the trip arrives by itself (or already did,
      // if the drive got there), and the driver takes it through its steps with the one big button.
      await driver.getByLabel(/Simulate movement/).uncheck();
      await driver.context().setGeolocation({ latitude: PICKUP.lat, longitude: PICKUP.lng });
      // Nothing was pressed, so the driver app says the trip arrived by itself.
      await expect.poll(() => driver.locator('[data-notice="arrived"]').textContent(), { timeout: 15_000 }).toMatch(/is marked arrived/);
      await driver.getByRole("button", { name: "Start trip" }).click();
      await rider.getByRole("heading", { name: "On your way" }).waitFor();
      // Completing is checked against the phone's position: it reaches the dropoff first.
      const { dropoff } = await dispatcherApi.api.trips.byId.query({ tripId });
      await driver.context().setGeolocation({ latitude: dropoff.lat, longitude: dropoff.lng });
      await eventually(
        async () => {
          const fleet = await dispatcherApi.api.tracking.fleet.query();
          const position = fleet.drivers.find((entry) => entry.id === driverApi.userId)?.position;
          return position && Math.abs(position.lat - dropoff.lat) < 1e-6 ? position : undefined;
        },
        15_000,
        "driver 1 at the dropoff",
      );
      await driver.getByRole("button", { name: "Complete trip" }).click();
      await driver.getByText("Trip completed: ").waitFor();

      // The rider sees the end of the ride and rates it.
      await rider.getByRole("heading", { name: "You have arrived" }).waitFor();
      expect(await rider.locator('.rider-timeline [data-step="completed"]').getAttribute("data-state")).toBe("current");
      expect(await rider.getByRole("button", { name: "Cancel trip" }).count()).toBe(0);
      await rider.getByRole("radio", { name: "5 stars" }).click();
      await rider.getByLabel("Comment (optional)").fill("Smooth ride, thanks!");
      await rider.getByRole("button", { name: "Rate trip" }).click();
      await rider.getByText("You rated this trip").waitFor();
      const rated = await dispatcherApi.api.trips.byId.query({ tripId });
      expect(rated).toMatchObject({ status: "completed", rating: 5, ratingComment: "Smooth ride, thanks!" });

      // The dispatcher's trips list turned it completed without a reload; the breadcrumb is the drive.
      await row.locator('[data-status="completed"]').waitFor();
      expect(await detail.locator(".dispatch-trip-pill").textContent()).toBe("Completed");
      const trail = detail.getByText(/^Breadcrumb: \d+ points$/);
      await trail.waitFor();
      expect(Number(/\d+/.exec((await trail.textContent())!)![0])).toBeGreaterThanOrEqual(2);
      expect(await detail.locator('[data-line-id="trail"]').count()).toBe(1);
    },
  );

  it("falls back to the map when location access is refused", async () => {
    // No permission granted: the browser refuses geolocation.
    const rider = await browser.newPage();
    await signIn(rider, "rider", demoLogin("rider", 4));
    await rider.getByRole("button", { name: "Use my current location as pickup" }).click();
    await rider.getByText("Location access is blocked for this site").waitFor();
    expect(await rider.locator(".convoy-notice").textContent()).toMatch(/Tap the map to set your pickup instead\.$/);
    expect(await rider.getByRole("button", { name: "Pickup (A)" }).getAttribute("aria-pressed")).toBe("true");

    const driver = await browser.newPage();
    await signIn(driver, "driver", demoLogin("driver", 3));
    const status = driver.locator('[data-sharing="problem"]');
    await status.waitFor();
    expect(await status.textContent()).toMatch(/^Location access is blocked for this site\./);
    expect(await driver.getByRole("alert").count()).toBe(0);
  });

  it("tells the rider clearly when no driver is found, and lets them cancel before the ride starts", async () => {
    // Far from every seeded driver: nobody in the ring.
    const nowhere = { lat: 44.5, lng: -92.1 };
    const rider = await pageAt(nowhere);
    await signIn(rider, "rider", demoLogin("rider", 2));
    await rider.getByRole("button", { name: "Use my current location as pickup" }).click();
    const map = rider.getByRole("region", { name: "Map: tap to set the pickup and dropoff" });
    const box = (await map.boundingBox())!;
    await map.click({ position: { x: box.width * 0.2, y: box.height * 0.8 } });
    await rider.getByRole("button", { name: "Request ride" }).click();
    await rider.getByRole("heading", { name: "No driver found" }).waitFor();
    await rider.getByRole("button", { name: "Try again" }).waitFor();
    expect(await rider.locator('.rider-timeline [data-step="cancelled"]').getAttribute("data-state")).toBe("current");

    // With drivers near, the search is on until someone accepts; the rider cancels with their own reason.
    const riderApi = await t.as("rider", 3);
    const trip = await riderApi.api.trips.request.mutate({
      pickup: { address: "Millennium Park", ...PICKUP },
      dropoff: { address: "Wrigley Field", ...offsetKm(PICKUP, 8, -1) },
    });
    expect(trip.status).toBe("requested");
    const page = await browser.newPage();
    await signIn(page, "rider", demoLogin("rider", 3));
    await page.getByRole("heading", { name: "Looking for a driver…" }).waitFor();
    await page.getByRole("button", { name: "Cancel trip" }).click();
    await page.getByLabel("Reason").selectOption("other");
    await page.getByLabel("Your reason").fill("Found a bus");
    await page.getByRole("button", { name: "Yes, cancel trip" }).click();
    await page.getByRole("heading", { name: "Trip cancelled" }).waitFor();
    await page.getByText("Reason: Found a bus").waitFor();
    const cancelled = await riderApi.api.trips.byId.query({ tripId: trip.id });
    expect(cancelled).toMatchObject({ status: "cancelled", cancelReason: "Found a bus" });
  });
});
