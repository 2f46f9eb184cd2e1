import { afterAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { demoLogin, eq, offers, trips, type DemoLogin } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { DESKTOP, markDocument, signIn, stillSameDocument } from "../support/appPages";
import { createExtraUsers, loginExtra } from "../support/fixtures";
import { loadInput } from "../support/offerFixtures";
import { area, offsetKm, placeDriver, rideInput } from "../support/tripFixtures";

const apps = builtAppsDir();
const t = useTestServer({ staticDir: apps.dir, trips: { searchRadiusKm: 2 } });
const browser = useBrowser();
afterAll(() => apps.remove());

/** A driver of the test's own (a van), with the login the browser uses. */
interface TestDriver {
  api: LoggedInClient;
  login: DemoLogin;
  name: string;
}

/** `prefix` names the driver ("oldvan 0"), so each of a test's drivers is told apart on screen. */
async function newDriver(prefix: string): Promise<TestDriver> {
  const [created] = await createExtraUsers(t.db, "driver", 1, prefix);
  const api = await loginExtra(t, created!.email);
  return { api, login: { role: "driver", email: created!.email, password: "extra-pass-123" }, name: `${prefix} 0` };
}

/** A ride rider 1 requested at `centre` and `driver` (the only driver near) accepted. */
async function acceptedRide(rider: LoggedInClient, driver: TestDriver, centre: { lat: number; lng: number }): Promise<number> {
  await placeDriver(t, driver.api.userId, offsetKm(centre, 0.3));
  const trip = await rider.api.trips.request.mutate(rideInput(centre, "Union Station"));
  const [offer] = await t.db.select({ id: offers.id }).from(offers).where(eq(offers.tripId, trip.id));
  await driver.api.api.offers.respond.mutate({ offerId: offer!.id, action: "accept" });
  return trip.id;
}

/** The dispatcher's trips page with `tripId`'s detail open. */
async function openTrip(desk: Page, tripId: number) {
  await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
  await desk.getByRole("link", { name: "Trips" }).click();
  await desk.locator(`tr[data-trip-id="${tripId}"]`).click();
  const detail = desk.locator(`.dispatch-trip[data-trip-id="${tripId}"]`);
  await detail.waitFor();
  return detail;
}

describe("trip workflow in the browser", () => {
  it("reassign seen by both drivers: the dispatcher hands a ride on, the old driver loses it, the new one and the rider see it live", async () => {
    const rider = await t.as("rider", 1);
    const [oldDriver, nextDriver] = [await newDriver("oldvan"), await newDriver("newvan")];
    const centre = area(5);
    const tripId = await acceptedRide(rider, oldDriver, centre);
    // Available, 1.5 km out: near enough to be listed, outside nothing that matters here.
    await placeDriver(t, nextDriver.api.userId, offsetKm(centre, 1.5));

    const oldPhone = await browser.newPage();
    const nextPhone = await browser.newPage();
    const riderPhone = await browser.newPage();
    await signIn(oldPhone, t.url, "driver", oldDriver.login);
    await signIn(nextPhone, t.url, "driver", nextDriver.login);
    await signIn(riderPhone, t.url, "rider", demoLogin("rider"));
    await oldPhone.locator(`.driver-trip[data-trip-id="${tripId}"]`).waitFor();
    await nextPhone.getByRole("region", { name: "Location" }).waitFor();
    expect(await nextPhone.locator(".driver-trip").count()).toBe(0);
    await riderPhone.locator(".rider-driver__name").getByText(oldDriver.name).waitFor();

    const desk = await browser.newPage({ viewport: DESKTOP });
    const detail = await openTrip(desk, tripId);
    for (const page of [oldPhone, nextPhone, riderPhone, desk]) await markDocument(page);

    await detail.getByRole("button", { name: "Reassign…" }).click();
    const picker = detail.getByLabel("New driver");
    const option = picker.locator("option", { hasText: nextDriver.name });
    await option.waitFor({ state: "attached" });
    await picker.selectOption({ label: (await option.textContent())! });
    await detail.getByLabel("Reason (optional)").fill("Van broke down");
    await detail.getByRole("button", { name: "Reassign", exact: true }).click();

    // The old driver's screen drops the trip and says why.
    const lost = oldPhone.locator('[data-notice="reassigned_away"]');
    await lost.waitFor();
    expect(await lost.textContent()).toContain(`Dispatch handed Ride #${tripId} to another driver: Van broke down`);
    await oldPhone.locator(".driver-trip").waitFor({ state: "detached" });

    // The new driver's screen gets it, ready to set off.
    await nextPhone.locator('[data-notice="reassigned_to_me"]').waitFor();
    const trip = nextPhone.locator(`.driver-trip[data-trip-id="${tripId}"]`);
    await trip.waitFor();
    await trip.getByRole("button", { name: "Start driving" }).waitFor();

    // The rider sees the new driver; the dispatcher's detail shows them and the history.
    await riderPhone.locator(".rider-driver__name").getByText(nextDriver.name).waitFor();
    await riderPhone.getByText(`Your driver changed: ${nextDriver.name} is taking over your ride.`).waitFor();
    await detail.getByText(`${nextDriver.name} · Van`).waitFor();
    const entry = detail.locator('[data-history-type="reassigned"]');
    await entry.waitFor();
    expect(await entry.textContent()).toMatch(new RegExp(`reassigned it from ${oldDriver.name} to ${nextDriver.name}: “Van broke down”`));

    // All of it arrived live, without a reload.
    for (const page of [oldPhone, nextPhone, riderPhone, desk]) expect(await stillSameDocument(page)).toBe(true);
    expect((await t.db.select({ driverId: trips.driverId }).from(trips).where(eq(trips.id, tripId)))[0]!.driverId).toBe(nextDriver.api.userId);
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
  });

  it("override reason shown: a driver away from the pickup is asked why, and the dispatcher sees the reason", async () => {
    const rider = await t.as("rider", 2);
    const driver = await newDriver("guardvan");
    const tripId = await acceptedRide(rider, driver, area(6));
    await driver.api.api.trips.updateStatus.mutate({ tripId, status: "en_route" });

    const desk = await browser.newPage({ viewport: DESKTOP });
    const detail = await openTrip(desk, tripId);
    const phone = await browser.newPage();
    await signIn(phone, t.url, "driver", driver.login);
    const card = phone.locator(`.driver-trip[data-trip-id="${tripId}"]`);
    await card.getByRole("button", { name: "I've arrived" }).click();

    // 300 m out: the server refuses and the app asks for a reason instead of failing.
    await card.getByText(/^You are 300 m from the pickup\. Arriving needs you within 100 m of it\.$/).waitFor();
    await card.getByRole("button", { name: "I've arrived with this reason" }).click();
    await card.getByText(/say why/).waitFor();
    await card.getByLabel("Reason (dispatch will see it)").fill("Gate is locked; waiting at the side entrance");
    await card.getByRole("button", { name: "I've arrived with this reason" }).click();
    await phone.locator(`.driver-trip[data-status="arrived"]`).waitFor();
    await card.getByRole("button", { name: "Start trip" }).waitFor();

    // The dispatcher's detail shows the new status and the override with its reason and distance.
    await detail.locator('.dispatch-trip-pill[data-status="arrived"]').waitFor();
    const entry = detail.locator('[data-history-type="guard_override"]');
    await entry.waitFor();
    expect(await entry.textContent()).toMatch(
      new RegExp(
        `${driver.name} overrode the pickup check: Arrived 300 m from the pickup \\(radius 100 m\\): “Gate is locked; waiting at the side entrance”`,
      ),
    );
    await rider.api.trips.cancel.mutate({ tripId, reason: "test over" });
  });

  it("a load speaks of loads and delivery, never of a rider, in the driver and dispatcher apps", async () => {
    const dispatcherApi = await t.as("dispatcher");
    const driver = await newDriver("loadvan");
    await placeDriver(t, driver.api.userId, { lat: 41.8837, lng: -87.6278 });
    const offer = await dispatcherApi.api.offers.create.mutate(loadInput([driver.api.userId]));
    await driver.api.api.offers.respond.mutate({ offerId: offer.id, action: "accept" });
    const [load] = await t.db.select().from(trips).where(eq(trips.offerId, offer.id));
    for (const status of ["en_route", "arrived"] as const) await driver.api.api.trips.updateStatus.mutate({ tripId: load!.id, status });

    const phone = await browser.newPage();
    await signIn(phone, t.url, "driver", driver.login);
    const card = phone.locator(`.driver-trip[data-trip-id="${load!.id}"]`);
    await card.getByRole("heading", { name: "Loading at the pickup" }).waitFor();
    await card.getByRole("button", { name: "Loaded: start delivery" }).click();
    await card.getByRole("heading", { name: "Delivering to the dropoff" }).waitFor();
    await card.getByRole("button", { name: "Mark delivered" }).waitFor();
    expect(await card.textContent()).toContain(`Load #${load!.id} · In transit`);

    const desk = await browser.newPage({ viewport: DESKTOP });
    const detail = await openTrip(desk, load!.id);
    await detail.getByRole("heading", { name: `Load #${load!.id}` }).waitFor();
    expect(await detail.locator(".dispatch-trip-pill").textContent()).toBe("In transit");
    for (const shown of [phone.locator("body"), detail]) expect(await shown.textContent()).not.toMatch(/\brider\b/i);
    await dispatcherApi.api.trips.cancel.mutate({ tripId: load!.id, reason: "test over" });
  });
});
