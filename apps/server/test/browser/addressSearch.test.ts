import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GeocoderOptions } from "@convoy/api/server";
import { demoLogin, eq, trips } from "@convoy/db";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { DESKTOP, signIn } from "../support/appPages";
import { startGeocoderStandIn, type GeocoderStandIn } from "../support/geocoderStandIn";
import { eventually } from "../support/tracking";

const apps = builtAppsDir();
let standIn: GeocoderStandIn;
// The server reads its options when it starts, after the stand-in below has its URL.
const geocoder: GeocoderOptions = { url: "http://unset.invalid/search", timeoutMs: 1_000 };
beforeAll(async () => {
  standIn = await startGeocoderStandIn();
  geocoder.url = `${standIn.url}/search`;
});
const t = useTestServer({ staticDir: apps.dir, geocoder });
const browser = useBrowser();
afterAll(async () => {
  apps.remove();
  await standIn.close();
});

describe("address search in the browser", () => {
  it("fills the offer form's pickup and dropoff, address and coordinates, from what the dispatcher picks", async () => {
    const dispatcher = await t.as("dispatcher");
    const desk = await browser.newPage({ viewport: DESKTOP });
    await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
    await desk.locator('table[aria-label="Drivers"] tbody tr').first().waitFor();
    await desk.getByRole("checkbox", { name: /\(driver 1\)$/ }).check();
    await desk.getByRole("button", { name: "Make offer" }).click();
    const dialog = desk.getByRole("dialog", { name: "Make offer" });

    await dialog.getByRole("searchbox", { name: "Search the pickup address", exact: true }).fill("Union Sta");
    await dialog.getByRole("button", { name: /^Union Station, 225, South Canal Street/ }).click();
    expect(await dialog.getByLabel("Pickup address", { exact: true }).inputValue()).toBe(
      "Union Station, 225, South Canal Street, Chicago, 60606, United States",
    );
    expect(await dialog.getByLabel("Pickup latitude", { exact: true }).inputValue()).toBe("41.8787");
    expect(await dialog.getByLabel("Pickup longitude", { exact: true }).inputValue()).toBe("-87.6403");

    await dialog.getByRole("searchbox", { name: "Search the dropoff address", exact: true }).fill("Navy");
    await dialog.getByRole("button", { name: /^Navy Pier/ }).click();
    expect(await dialog.getByLabel("Dropoff latitude", { exact: true }).inputValue()).toBe("41.8917");

    // A search with no answer says so.
    await dialog.getByRole("searchbox", { name: "Search the dropoff address", exact: true }).fill("Nowhere at all");
    await dialog.getByText("No address found for “Nowhere at all”.").waitFor();

    for (const [label, value] of Object.entries({
      "Weight (kg)": "500",
      "Length (cm)": "200",
      "Width (cm)": "100",
      "Height (cm)": "100",
      "Rate ($)": "300",
    })) {
      await dialog.getByLabel(label, { exact: true }).fill(value);
    }
    await dialog.getByRole("button", { name: "Send offer" }).click();
    await desk.waitForURL(/#\/offers\/\d+$/);
    const offerId = Number(/#\/offers\/(\d+)$/.exec(desk.url())![1]);
    const offer = await dispatcher.api.offers.byId.query({ offerId });
    expect(offer.pickup).toEqual({ address: "Union Station, 225, South Canal Street, Chicago, 60606, United States", lat: 41.8787, lng: -87.6403 });
    expect(offer.dropoff).toMatchObject({ lat: 41.8917, lng: -87.6086 });
    // The browser never spoke to the geocoder: every search went through the server.
    expect(standIn.searches.every((search) => search.params.get("format") === "jsonv2")).toBe(true);
  });

  it("fills the rider's request, pickup and dropoff, and the ride is requested from those points", async () => {
    const phone = await browser.newPage();
    await signIn(phone, t.url, "rider", demoLogin("rider"));
    await phone.getByRole("searchbox", { name: "Search the pickup address", exact: true }).fill("Union Park");
    await phone.getByRole("button", { name: /^Union Park, 1501, North Ashland Avenue/ }).click();
    await phone.getByRole("searchbox", { name: "Search the dropoff address", exact: true }).fill("Navy Pier");
    await phone.getByRole("button", { name: /^Navy Pier, 600, East Grand Avenue/ }).click();
    expect(await phone.getByLabel("Pickup address", { exact: true }).inputValue()).toBe(
      "Union Park, 1501, North Ashland Avenue, Chicago, 60607, United States",
    );
    await phone.getByRole("button", { name: "Request ride" }).click();

    const rider = await t.as("rider");
    const trip = await eventually(
      async () => (await t.db.select().from(trips).where(eq(trips.riderId, rider.userId)))[0],
      10_000,
      "the requested trip",
    );
    expect(trip).toMatchObject({ pickupLat: 41.8846, pickupLng: -87.6666, dropoffLat: 41.8917, dropoffLng: -87.6086 });
  });
});
