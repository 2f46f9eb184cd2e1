import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { TripOptions } from "@convoy/api/server";
import { demoLogin, drivers, eq, offerRecipients, offers, type VehicleType } from "@convoy/db";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { createExtraUsers, loadInput } from "../support/fixtures";
import { startOsrmStandIn, type OsrmStandIn } from "../support/osrmStandIn";
import { offsetKm, type Point } from "../support/tripFixtures";

const apps = builtAppsDir();
let standIn: OsrmStandIn;
// One driver per wave with a long window: whoever is offered the ride first is the only one.
// Routes come from a stand-in routing engine, started before the server reads its options.
const trips: TripOptions = { searchRadiusKm: 3, waveSizes: [1], offerTimeoutSeconds: 60, routingTimeoutMs: 300 };
beforeAll(async () => {
  standIn = await startOsrmStandIn();
  trips.routingUrl = standIn.url;
});
const t = useTestServer({ staticDir: apps.dir, trips });
const browser = useBrowser();
afterAll(async () => {
  apps.remove();
  await standIn.close();
});

/** Far from the seeded Chicago drivers: only the drivers this test places are near. */
const PICKUP = { lat: 36.15, lng: -100.2 };

async function signIn(page: Page, app: string, email: string, password: string) {
  await page.goto(`${t.url}/${app}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A page whose browser reports `at` as its position, with permission already given. */
async function pageAt(at: Point): Promise<Page> {
  const page = await browser.newPage();
  await page.context().grantPermissions(["geolocation"], { origin: t.url });
  await page.context().setGeolocation({ latitude: at.lat, longitude: at.lng });
  return page;
}

/** A driver of `vehicle` at `at`, signed in on their phone, sharing that position. */
async function driverPhone(vehicle: VehicleType, at: Point): Promise<{ id: number; email: string; page: Page }> {
  const [user] = await createExtraUsers(t.db, "driver", 1, `${vehicle}-driver`);
  await t.db
    .update(drivers)
    .set({ vehicleType: vehicle, lat: at.lat, lng: at.lng, positionAt: new Date(), availability: "available" })
    .where(eq(drivers.userId, user!.id));
  const page = await pageAt(at);
  await signIn(page, "driver", user!.email, "extra-pass-123");
  await page.locator('[data-sharing="on"]').waitFor();
  return { id: user!.id, email: user!.email, page };
}

describe("requesting a ride in a vehicle class", () => {
  it(
    "vehicle class honoured: the rider picks SUV, and only the SUV driver is offered the ride, not the nearer car",
    { timeout: 90_000 },
    async () => {
      const car = await driverPhone("car", offsetKm(PICKUP, 0.3));
      const suv = await driverPhone("suv", offsetKm(PICKUP, -0.9, 0.2));

      const rider = await pageAt(PICKUP);
      const login = demoLogin("rider", 2);
      await signIn(rider, "rider", login.email, login.password);
      // This server has no geocoder: the form says so, and the map is the way to pick.
      await rider.getByText("Address search is not configured; pick the place on the map.").first().waitFor();
      await rider.getByRole("button", { name: "Use my current location as pickup" }).click();
      await expect.poll(() => rider.getByLabel("Pickup address").inputValue()).toBe("My current location");
      const map = rider.getByRole("region", { name: "Map: tap to set the pickup and dropoff" });
      const box = (await map.boundingBox())!;
      await map.click({ position: { x: box.width * 0.8, y: box.height * 0.2 } });
      await expect.poll(() => rider.getByLabel("Dropoff address").inputValue()).toMatch(/^Pin at /);

      // Car is chosen until the rider picks another class.
      const vehicle = rider.getByRole("group", { name: "Vehicle" });
      expect(await vehicle.getByRole("radio", { name: /^Car/ }).isChecked()).toBe(true);
      await vehicle.getByText("SUV", { exact: true }).click();
      expect(await vehicle.getByRole("radio", { name: /^SUV/ }).isChecked()).toBe(true);
      await rider.getByRole("button", { name: "Request ride" }).click();
      await rider.locator(".rider-trip").waitFor();
      const tripId = Number(await rider.locator(".rider-trip").getAttribute("data-trip-id"));

      // The SUV driver's phone shows the ride; the trip asks for an SUV.
      const card = suv.page.locator(".driver-ride");
      await card.waitFor();
      const offerId = Number(await card.getAttribute("data-offer-id"));
      const [offer] = await t.db.select({ tripId: offers.tripId }).from(offers).where(eq(offers.id, offerId));
      expect(offer!.tripId).toBe(tripId);
      const dispatcher = await t.as("dispatcher");
      expect((await dispatcher.api.trips.byId.query({ tripId })).vehicleClass).toBe("suv");

      await suv.page.getByRole("button", { name: "Accept ride" }).click();
      await rider.getByRole("heading", { name: /accepted your ride$/ }).waitFor();
      await rider
        .locator(".rider-driver")
        .getByText(/^SUV · /)
        .waitFor();
      expect(await rider.locator(".convoy-facts").getByText("SUV", { exact: true }).count()).toBe(1);

      // The car, three times nearer, was never offered it: not on its phone, not in any wave.
      const recipients = await t.db
        .select({ driverId: offerRecipients.driverId })
        .from(offerRecipients)
        .innerJoin(offers, eq(offers.id, offerRecipients.offerId))
        .where(eq(offers.tripId, tripId));
      expect(recipients.map((row) => row.driverId)).toEqual([suv.id]);
      expect(await car.page.locator(".driver-ride").count()).toBe(0);
      const carApi = await t.login(car.email, "extra-pass-123");
      expect((await carApi.api.offers.list.query({})).items).toEqual([]);

      // With a routing engine the rider's map draws roads, and the ETA is the engine's, not an estimate.
      await rider.locator('[data-line-id="route"][data-line-tone="road"]').waitFor({ state: "attached" });
      await rider.locator('[data-line-id="driver-route"][data-line-tone="road"]').waitFor({ state: "attached" });
      const eta = rider.locator('.rider-eta[data-eta-source="route"]');
      await eta.waitFor();
      expect(await eta.textContent()).not.toMatch(/estimated|≈/);

      // The driver's offer screen draws a load's road too, with its length and driving time.
      const load = await dispatcher.api.offers.create.mutate(loadInput([suv.id]));
      await suv.page.locator(`a[data-offer-id="${load.id}"]`).click();
      const routeMap = suv.page.locator('.driver-route[data-route-source="route"]');
      await routeMap.waitFor();
      await routeMap.locator('[data-line-id="route"][data-line-tone="road"]').waitFor({ state: "attached" });
      const road = standIn.routeFor(load.pickup, load.dropoff);
      expect(await routeMap.locator("figcaption").textContent()).toContain(`${(road.distance / 1_000).toFixed(1)} km`);
    },
  );

  it(
    "without an answer from the routing engine, labels the rider's ETA as estimated and draws a dashed straight line",
    { timeout: 90_000 },
    async () => {
      standIn.setMode("down");
      try {
        const at = offsetKm(PICKUP, 5);
        const [user] = await createExtraUsers(t.db, "driver", 1, "estimate-driver");
        await t.db
          .update(drivers)
          .set({ vehicleType: "car", lat: at.lat + 0.003, lng: at.lng, positionAt: new Date() })
          .where(eq(drivers.userId, user!.id));
        const driverApi = await t.login(user!.email, "extra-pass-123");
        const riderApi = await t.as("rider", 3);
        const trip = await riderApi.api.trips.request.mutate({
          pickup: { address: "Corner shop", ...at },
          dropoff: { address: "Station", ...offsetKm(at, 2, 1) },
          vehicleClass: "car",
        });
        const offerId = (await driverApi.api.offers.list.query({})).items[0]!.id;
        await driverApi.api.offers.respond.mutate({ offerId, action: "accept" });
        expect((await riderApi.api.trips.byId.query({ tripId: trip.id })).status).toBe("assigned");
        await driverApi.api.tracking.report.mutate({ points: [{ ...offsetKm(at, 0.4), recordedAt: Date.now() }] });

        const rider = await browser.newPage();
        const login = demoLogin("rider", 3);
        await signIn(rider, "rider", login.email, login.password);
        const eta = rider.locator('.rider-eta[data-eta-source="estimate"]');
        await eta.waitFor();
        expect(await eta.locator("strong").textContent()).toMatch(/^≈ .+, estimated$/);
        await rider.locator('[data-line-id="route"][data-line-tone="route"]').waitFor({ state: "attached" });
        expect(await rider.locator('[data-line-id="driver-route"]').count()).toBe(0);
      } finally {
        standIn.setMode("up");
      }
    },
  );
});
