import { afterAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { DESKTOP, markDocument, signIn, stillSameDocument, toastWith, waitForText } from "../support/appPages";
import { loadInput } from "../support/offerFixtures";
import { demoLogin } from "@convoy/db";

const apps = builtAppsDir();
const t = useTestServer({ staticDir: apps.dir });
const browser = useBrowser();
afterAll(() => apps.remove());

/** The id in `#/offers/<id>` once the dispatcher app has navigated there. */
async function openedOfferId(page: Page): Promise<number> {
  await page.waitForURL(/#\/offers\/\d+$/);
  return Number(/#\/offers\/(\d+)$/.exec(page.url())![1]);
}

async function fillOfferForm(page: Page, values: Record<string, string>) {
  const dialog = page.getByRole("dialog", { name: "Make offer" });
  for (const [label, value] of Object.entries(values)) await dialog.getByLabel(label, { exact: true }).fill(value);
  return dialog;
}

describe("offers in the browser", () => {
  it("offers a load to two drivers, one counters, the dispatcher accepts: won and lost show live", async () => {
    const dispatcherApi = await t.as("dispatcher");
    const driver1 = await t.as("driver", 1);
    const driver2 = await t.as("driver", 2);

    const desk = await browser.newPage({ viewport: DESKTOP });
    const phone1 = await browser.newPage();
    const phone2 = await browser.newPage();
    await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
    await signIn(phone1, t.url, "driver", demoLogin("driver"));
    await signIn(phone2, t.url, "driver", demoLogin("driver", 2));
    for (const page of [phone1, phone2]) await page.getByText("No open offers right now").waitFor();
    for (const page of [desk, phone1, phone2]) await markDocument(page);

    // Select both drivers in the table; "Make offer" waits for a selection.
    const makeOffer = desk.getByRole("button", { name: "Make offer" });
    await desk.locator('table[aria-label="Drivers"] tbody tr').first().waitFor();
    expect(await makeOffer.isDisabled()).toBe(true);
    await desk.getByRole("checkbox", { name: /\(driver 1\)$/ }).check();
    await desk.getByRole("checkbox", { name: /\(driver 2\)$/ }).check();
    await desk.getByText("2 selected").waitFor();
    await makeOffer.click();

    const dialog = await fillOfferForm(desk, {
      "Pickup address": "100 N State St, Chicago",
      "Pickup latitude": "41.8837",
      "Pickup longitude": "-87.6278",
      "Dropoff address": "O'Hare Cargo Area, Chicago",
      "Dropoff latitude": "41.9742",
      "Dropoff longitude": "-87.9073",
      "Weight (kg)": "800",
      "Length (cm)": "240",
      "Width (cm)": "120",
      "Height (cm)": "100",
      "Rate ($)": "450.00",
      "Expires in (minutes)": "30",
      Notes: "Dock 4, call on arrival",
    });
    // The haversine distance shows while the form is filled in.
    await dialog.getByText(/^Distance: 25\.\d km/).waitFor();
    expect(await dialog.getByRole("list", { name: "Selected drivers" }).getByRole("listitem").count()).toBe(2);
    await dialog.getByRole("button", { name: "Send offer" }).click();

    const offerId = await openedOfferId(desk);
    const created = await dispatcherApi.api.offers.byId.query({ offerId });
    expect(created).toMatchObject({
      status: "open",
      rateCents: 45_000,
      weightKg: 800,
      dimensions: { lengthCm: 240, widthCm: 120, heightCm: 100 },
      notes: "Dock 4, call on arrival",
      pickup: { address: "100 N State St, Chicago", lat: 41.8837, lng: -87.6278 },
    });
    expect(created.recipients.map((recipient) => recipient.driverId).sort()).toEqual([driver1.userId, driver2.userId].sort());
    const row1 = desk.locator(`li[data-driver-id="${driver1.userId}"]`);
    const row2 = desk.locator(`li[data-driver-id="${driver2.userId}"]`);
    await row1.locator('[data-status="sent"]').waitFor();
    await row2.locator('[data-status="sent"]').waitFor();

    // Both drivers get it live, with a toast; driver 1 opens it, and the desk sees "viewed".
    for (const page of [phone1, phone2]) {
      expect(await toastWith(page, "New offer")).toContain("100 N State St, Chicago → O'Hare Cargo Area, Chicago, $450.00");
      await page.locator(`a[data-offer-id="${offerId}"][data-state="new"]`).waitFor();
    }
    await phone1.locator(`a[data-offer-id="${offerId}"]`).click();
    await phone1.getByText(/^Expires in (29|30):\d\d$/).waitFor();
    await row1.locator('[data-status="viewed"]').waitFor();

    // Driver 1 counters; the desk sees the counter, with a toast, and can accept it.
    await phone1.getByLabel("Counter rate ($)").fill("520");
    await phone1.getByRole("button", { name: "Send counter" }).click();
    await waitForText(phone1.locator('.driver-offer__head [data-status="countered"]'), "Countered $520.00");
    await waitForText(row1.locator('[data-status="countered"]'), "Countered $520.00");
    expect(await toastWith(desk, "countered")).toContain(`countered offer #${offerId} at $520.00`);
    // The counter also shows in their chat thread as a rate proposal.
    await row1.getByRole("button", { name: /^Chat with/ }).click();
    await desk.locator(".convoy-msg--rate_proposal", { hasText: "Countered at $520.00" }).waitFor();
    expect(await row2.getByRole("button", { name: "Accept counter" }).count()).toBe(0);

    await row1.getByRole("button", { name: "Accept counter" }).click();
    await waitForText(desk.locator("[data-offer-status]"), "Accepted");
    await row1.locator('[data-status="accepted"]').waitFor();
    await row2.locator('[data-status="lost"]').waitFor();

    // Without a reload: driver 1 sees they won, driver 2 that they lost.
    await waitForText(phone1.locator('[data-outcome="won"]'), "You won this load at $520.00");
    expect(await toastWith(phone1, "You won")).toContain(`You won offer #${offerId} at $520.00`);
    await phone2.locator(`a[data-offer-id="${offerId}"][data-state="lost"]`).waitFor();
    expect(await toastWith(phone2, "another driver")).toContain(`Offer #${offerId} went to another driver`);
    await phone2.locator(`a[data-offer-id="${offerId}"]`).click();
    await waitForText(phone2.locator('[data-outcome="lost"]'), "Lost: the load went to another driver");
    expect(await phone2.getByRole("button", { name: /^Accept/ }).count()).toBe(0);

    for (const page of [desk, phone1, phone2]) expect(await stillSameDocument(page)).toBe(true);
    const decided = await dispatcherApi.api.offers.byId.query({ offerId });
    expect(decided).toMatchObject({ status: "accepted", acceptedDriverId: driver1.userId, agreedRateCents: 52_000 });
  });

  it("checks the form with the shared schema and sends nothing invalid", async () => {
    const dispatcherApi = await t.as("dispatcher");
    const before = await dispatcherApi.api.offers.list.query({ limit: 100 });

    const desk = await browser.newPage({ viewport: DESKTOP });
    await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
    await desk.getByRole("checkbox", { name: /\(driver 3\)$/ }).check();
    await desk.getByRole("button", { name: "Make offer" }).click();
    const dialog = await fillOfferForm(desk, {
      "Pickup latitude": "95",
      "Weight (kg)": "-5",
      "Rate ($)": "four hundred",
      "Expires in (minutes)": "0.1",
    });
    await dialog.getByRole("button", { name: "Send offer" }).click();

    const errorOf = async (label: string) => {
      const field = dialog.getByLabel(label, { exact: true });
      await field.and(dialog.locator('[aria-invalid="true"]')).waitFor();
      const id = await field.getAttribute("aria-describedby");
      return dialog.locator(`[id="${id}"]`).textContent();
    };
    expect(await errorOf("Pickup address")).toBe("Required");
    expect(await errorOf("Pickup latitude")).toBe("Must be ≤ 90");
    expect(await errorOf("Dropoff longitude")).toBe("Enter a number");
    expect(await errorOf("Weight (kg)")).toBe("Must be positive");
    expect(await errorOf("Rate ($)")).toBe("Enter an amount in dollars, e.g. 450 or 450.50");
    expect(await errorOf("Expires in (minutes)")).toBe("An offer must stay open at least 30 seconds");

    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect((await dispatcherApi.api.offers.list.query({ limit: 100 })).items.length).toBe(before.items.length);
  });

  it("sets the pickup and then the dropoff by clicking the form's map", async () => {
    const desk = await browser.newPage({ viewport: DESKTOP });
    await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
    await desk.getByRole("checkbox", { name: /\(driver 4\)$/ }).check();
    await desk.getByRole("button", { name: "Make offer" }).click();
    const dialog = desk.getByRole("dialog", { name: "Make offer" });
    const map = dialog.getByRole("region", { name: "Offer map" });
    const coordinate = /^-?\d{1,3}\.\d+$/;
    const valueOf = (label: string) => dialog.getByLabel(label, { exact: true }).inputValue();

    await dialog.getByRole("button", { name: "Pickup", pressed: true }).waitFor();
    await map.click({ position: { x: 120, y: 80 } });
    await dialog.getByRole("button", { name: "Dropoff", pressed: true }).waitFor();
    expect(await valueOf("Pickup latitude")).toMatch(coordinate);
    expect(await valueOf("Pickup longitude")).toMatch(coordinate);
    expect(await valueOf("Dropoff latitude")).toBe("");
    await dialog.locator('[data-marker-id="pickup"]').waitFor();

    await map.click({ position: { x: 420, y: 160 } });
    expect(await valueOf("Dropoff latitude")).toMatch(coordinate);
    // Further east and further south on screen: a larger longitude and a smaller latitude.
    expect(Number(await valueOf("Dropoff longitude"))).toBeGreaterThan(Number(await valueOf("Pickup longitude")));
    expect(Number(await valueOf("Dropoff latitude"))).toBeLessThan(Number(await valueOf("Pickup latitude")));
    await dialog.locator('[data-marker-id="dropoff"]').waitFor();
    await dialog.getByText(/^Distance: \d+\.\d km \(\d+\.\d mi\)$/).waitFor();
  });

  it("cancels an open offer from the desk; the driver sees it withdrawn live", async () => {
    const dispatcherApi = await t.as("dispatcher");
    const driver = await t.as("driver", 5);
    const { id: offerId } = await dispatcherApi.api.offers.create.mutate(loadInput([driver.userId], { rateCents: 30_000 }));

    const phone = await browser.newPage();
    await signIn(phone, t.url, "driver", demoLogin("driver", 5));
    await phone.locator(`a[data-offer-id="${offerId}"]`).click();
    await phone.getByRole("button", { name: "Accept $300.00" }).waitFor();
    await markDocument(phone);

    const desk = await browser.newPage({ viewport: DESKTOP });
    await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
    await desk.getByRole("link", { name: /^Offers/ }).click();
    await desk.locator(`button[data-offer-id="${offerId}"]`).click();
    await desk.locator(`li[data-driver-id="${driver.userId}"] [data-status="viewed"]`).waitFor();
    await desk.getByRole("button", { name: "Cancel offer" }).click();
    await desk.getByRole("button", { name: "Yes, cancel offer" }).click();
    await waitForText(desk.locator("[data-offer-status]"), "Cancelled");
    await desk.locator(`li[data-driver-id="${driver.userId}"] [data-status="withdrawn"]`).waitFor();
    // Off the open list, onto the cancelled one.
    await desk.locator(`button[data-offer-id="${offerId}"]`).waitFor({ state: "detached" });
    await desk.getByRole("button", { name: "Cancelled", exact: true }).click();
    await desk.locator(`button[data-offer-id="${offerId}"]`).waitFor();

    await waitForText(phone.locator('[data-outcome="withdrawn"]'), "Withdrawn by the dispatcher");
    expect(await phone.getByRole("button", { name: /^Accept/ }).count()).toBe(0);
    expect(await toastWith(phone, "withdrawn")).toContain(`Offer #${offerId} was withdrawn by the dispatcher`);
    expect(await stillSameDocument(phone)).toBe(true);
    expect((await dispatcherApi.api.offers.byId.query({ offerId })).status).toBe("cancelled");
  });
});
