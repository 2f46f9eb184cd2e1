import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Locator, Page } from "playwright-core";
import { createPositionReporter, type PositionReporter } from "@convoy/client";
import { DEMO_ACCOUNT_COUNTS, demoLogin, eq, SIMULATED_DRIVER_COUNT, users } from "@convoy/db";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { scrollTo, signIn, toastWith } from "../support/appPages";
import { loadInput } from "../support/offerFixtures";
import { startTcpBalancer, type TcpBalancer } from "../support/tcpBalancer";
import { insertDrivers } from "../support/tracking";

const apps = builtAppsDir();
const t = useTestServer({ staticDir: apps.dir });
const browser = useBrowser();
const screenshots = mkdtempSync(join(tmpdir(), "convoy-layout-"));
afterAll(() => {
  apps.remove();
  rmSync(screenshots, { recursive: true, force: true });
});

/** The dispatch desk of the issue: a 1440×900 window. */
const DESK = { width: 1440, height: 900 };
/** A phone: 390×844 CSS pixels. */
const PHONE = { width: 390, height: 844 };
/** The seeded 20 drivers and 180 more. */
const FLEET_SIZE = 200;
/** Near downtown Chicago, where the fleet is put. */
const ORIGIN = { lat: 41.88, lng: -87.63 };

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (!box) throw new Error("element is not drawn");
  return box;
}

/** The parts of the page's window these tests read (the server's tsconfig has no DOM types). */
interface PageWindow {
  innerHeight: number;
  scrollY: number;
  document: { documentElement: { scrollHeight: number } };
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Each `[data-cluster-size]` group's size on the page. */
function clusterSizes(map: Locator): Promise<number[]> {
  return map
    .locator("[data-cluster-size]")
    .evaluateAll((elements) => elements.map((element) => Number((element as unknown as { dataset: { clusterSize: string } }).dataset.clusterSize)));
}

/** Driver markers drawn on their own (not stood for by a group). */
function driverMarkers(map: Locator): Locator {
  return map.locator('[data-marker-id^="driver-"]');
}

/** Waits until every driver is on the map once: drawn alone or counted in a group. */
async function everyDriverShown(map: Locator): Promise<void> {
  await expect
    .poll(async () => (await driverMarkers(map).count()) + (await clusterSizes(map)).reduce((sum, size) => sum + size, 0), { timeout: 20_000 })
    .toBe(FLEET_SIZE);
}

async function openFleet(page: Page, origin: string): Promise<Locator> {
  await signIn(page, origin, "dispatcher", demoLogin("dispatcher"));
  await page.getByRole("link", { name: "Fleet" }).click();
  return page.getByRole("region", { name: "Fleet map" });
}

describe("the fleet map with 200 drivers", () => {
  const reporters: PositionReporter[] = [];
  let driverIds: number[] = [];
  let tick = 0;

  /**
   * Every driver reports one point: on a 20 × 10 grid `spacing` degrees apart, shifted north
   * by about 2 m (a pixel or so at the fleet's zoom) each call, so every report is a move.
   */
  async function reportGrid(spacing: number): Promise<void> {
    tick += 1;
    const now = Date.now();
    reporters.forEach((reporter, index) =>
      reporter.report({
        lat: ORIGIN.lat + Math.floor(index / 20) * spacing + tick * 2e-5,
        lng: ORIGIN.lng + (index % 20) * spacing,
        recordedAt: now,
      }),
    );
    await Promise.all(reporters.map((reporter) => reporter.flush()));
  }

  beforeAll(async () => {
    // The seed has made the demo and the simulated drivers.
    await insertDrivers(t.db, FLEET_SIZE - DEMO_ACCOUNT_COUNTS.driver - SIMULATED_DRIVER_COUNT, "fleet-");
    const rows = await t.db.select({ id: users.id }).from(users).where(eq(users.role, "driver"));
    driverIds = rows.map((row) => row.id);
    expect(driverIds).toHaveLength(FLEET_SIZE);
    for (const id of driverIds) {
      const { token } = await t.tokenFor(id, "driver");
      reporters.push(createPositionReporter({ url: t.url, token, WebSocket }));
    }
    // About 10 m apart: at the zoom that frames them all they overlap.
    await reportGrid(0.0001);
  }, 120_000);

  afterAll(() => {
    for (const reporter of reporters) reporter.close();
  });

  it("map clustering at 200 drivers", { timeout: 90_000 }, async () => {
    const desk = await browser.newPage({ viewport: DESK });
    const map = await openFleet(desk, t.url);
    await map.locator("[data-cluster-size]").first().waitFor({ timeout: 20_000 });
    await everyDriverShown(map);
    const sizes = await clusterSizes(map);
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.every((size) => size >= 2)).toBe(true);
    expect(await driverMarkers(map).count()).toBeLessThan(FLEET_SIZE / 2);

    // Drivers report again and again: the groups move in place, their elements kept.
    const groupId = (await map.locator("[data-cluster-size]").first().getAttribute("data-cluster-id"))!;
    const group = map.locator(`[data-cluster-id="${groupId}"]`);
    await group.evaluate((element) => ((element as unknown as { convoyKept: boolean }).convoyKept = true));
    const transform = () => group.evaluate((element) => (element as unknown as { style: { transform: string } }).style.transform);
    // Each report moves every driver about 1.25 px north at the fit's zoom (16), so the group's
    // rounded position changes with each: the next report goes once the group has moved.
    let shown = await transform();
    for (let i = 0; i < 3; i++) {
      const before = shown;
      await reportGrid(0.0001);
      await expect.poll(async () => (shown = await transform()), { timeout: 10_000 }).not.toBe(before);
    }
    expect(await group.evaluate((element) => (element as unknown as { convoyKept?: boolean }).convoyKept)).toBe(true);
    await everyDriverShown(map);

    // Spread a kilometre apart at the same zoom, every driver stands alone.
    await reportGrid(0.01);
    await expect.poll(() => driverMarkers(map).count(), { timeout: 20_000 }).toBe(FLEET_SIZE);
    expect(await map.locator("[data-cluster-size]").count()).toBe(0);

    // Together again, they are grouped again; clicking a group zooms in until its drivers come apart.
    await reportGrid(0.0001);
    await map.locator("[data-cluster-size]").first().waitFor({ timeout: 20_000 });
    await everyDriverShown(map);
    const markersBefore = await driverMarkers(map).count();
    const biggest = Math.max(...(await clusterSizes(map)));
    await map.locator(`[data-cluster-size="${biggest}"]`).first().click();
    await expect.poll(() => driverMarkers(map).count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(markersBefore + biggest);

    // A driver's marker opens their details (a list row first centres the map on them).
    const first = desk.locator(`.dispatch-fleet__row[data-driver-id="${driverIds[0]}"]`);
    await first.locator(".dispatch-fleet__driver").click();
    await desk.locator(`[data-marker-id="driver-${driverIds[0]}"]`).click();
    const details = desk.getByRole("dialog");
    await details.getByText("Vehicle").waitFor();
    expect(await details.getByRole("heading").first().textContent()).toBe(await first.locator(".dispatch-fleet__name").textContent());
  });

  it("fleet map fills the viewport at 1440×900", async () => {
    const desk = await browser.newPage({ viewport: DESK });
    const map = await openFleet(desk, t.url);
    await everyDriverShown(map);
    const box = await boxOf(map);
    expect(box.width).toBeGreaterThanOrEqual(DESK.width * 0.6);
    expect(box.height).toBeGreaterThanOrEqual(DESK.height * 0.8);
    expect(box.y + box.height).toBeLessThanOrEqual(DESK.height);

    // The window does not scroll; the driver list beside the map does, to its last driver.
    const page = await desk.evaluate(() => {
      // Runs in the page; the test's own types have no DOM.
      const view = globalThis as unknown as PageWindow;
      return { scroll: view.document.documentElement.scrollHeight, inner: view.innerHeight };
    });
    expect(page.scroll).toBeLessThanOrEqual(page.inner);
    const list = desk.getByRole("list", { name: "Drivers on the map" });
    const listBox = await boxOf(list);
    expect(listBox.x).toBeGreaterThanOrEqual(box.x + box.width);
    expect(listBox.y + listBox.height).toBeLessThanOrEqual(DESK.height);
    expect(await desk.locator(".dispatch-fleet__row").count()).toBe(FLEET_SIZE);
    const scroll = await list.evaluate((element) => {
      const el = element as unknown as { scrollHeight: number; clientHeight: number };
      return { height: el.scrollHeight, visible: el.clientHeight };
    });
    expect(scroll.height).toBeGreaterThan(scroll.visible);
    await scrollTo(list, scroll.height);
    const last = await boxOf(desk.locator(".dispatch-fleet__row").last());
    expect(last.y + last.height).toBeLessThanOrEqual(listBox.y + listBox.height + 1);
    expect(last.y).toBeGreaterThanOrEqual(listBox.y);

    // A driver picked in the list is drawn on their own, even in the middle of a crowd.
    const picked = desk.locator(".dispatch-fleet__row").nth(3);
    const pickedId = await picked.getAttribute("data-driver-id");
    expect(await map.locator(`[data-marker-id="driver-${pickedId}"]`).count()).toBe(0);
    await picked.locator(".dispatch-fleet__driver").click();
    await map.locator(`[data-marker-id="driver-${pickedId}"]`).waitFor();
    expect(await map.locator("[data-cluster-size]").count()).toBeGreaterThan(0);

    // A row's Details opens the same driver details as the map.
    await desk
      .locator(".dispatch-fleet__row")
      .last()
      .getByRole("button", { name: /^Details of / })
      .click();
    await desk.getByRole("dialog").getByText("Vehicle").waitFor();
  });

  it("stale map state: says since when the data is paused, and clears when frames flow again", { timeout: 120_000 }, async () => {
    const balancer = await startTcpBalancer([Number(new URL(t.url).port)]);
    let moving: NodeJS.Timeout | undefined;
    try {
      // Drivers move once a second, as the simulator's do.
      moving = setInterval(() => void reportGrid(0.01), 1_000);
      const desk = await browser.newPage({ viewport: DESK });
      const map = await openFleet(desk, balancer.url);
      await everyDriverShown(map);
      const fleet = desk.locator(".dispatch-fleet");
      const paused = desk.getByRole("status").filter({ hasText: /^Live data paused — last update \d\d:\d\d:\d\d$/ });
      expect(await fleet.getAttribute("data-live")).toBe("live");
      expect(await paused.count()).toBe(0);

      // The server goes away: the map says the data is paused, and since when.
      balancer.setBackends([]);
      balancer.dropOpenConnections();
      await paused.waitFor({ timeout: 15_000 });
      expect(await fleet.getAttribute("data-live")).toBe("paused");
      const stamp = /(\d\d):(\d\d):(\d\d)$/.exec((await paused.textContent())!)!;
      const stamped = new Date();
      stamped.setHours(Number(stamp[1]), Number(stamp[2]), Number(stamp[3]));
      expect(Math.abs(Date.now() - stamped.getTime())).toBeLessThan(60_000);

      // Back: the socket reconnects, a fresh snapshot comes, the notice goes.
      balancer.setBackends([Number(new URL(t.url).port)]);
      await paused.waitFor({ state: "detached", timeout: 30_000 });
      expect(await fleet.getAttribute("data-live")).toBe("live");

      // Connected, but the frames stop while drivers were moving: paused again after the silence.
      clearInterval(moving);
      moving = undefined;
      await paused.waitFor({ timeout: 25_000 });
      expect(await desk.locator('.convoy-badge[data-status="connected"]').count()).toBe(1);
      moving = setInterval(() => void reportGrid(0.01), 1_000);
      await paused.waitFor({ state: "detached", timeout: 10_000 });
    } finally {
      clearInterval(moving);
      await balancer.close();
    }
  });
});

describe("the driver's phone", () => {
  it("phone layout at 390×844: one header row, and the newest offer at the top, in view and clear of its toast", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 7);
    for (const rateCents of [31_000, 32_000, 33_000]) await dispatcher.api.offers.create.mutate(loadInput([driver.userId], { rateCents }));

    const phone = await browser.newPage({ viewport: PHONE });
    await signIn(phone, t.url, "driver", demoLogin("driver", 7));
    await phone.locator(".driver-offer-list a[data-offer-id]").nth(2).waitFor();

    // The header is one row: everything in it shares one line, and it is one control tall.
    const header = await boxOf(phone.locator(".convoy-header"));
    expect(header.height).toBeLessThanOrEqual(60);
    const parts = await phone.locator(".convoy-header > *").evaluateAll((elements) =>
      elements.map((element) => {
        const box = (element as unknown as { getBoundingClientRect: () => { top: number; bottom: number } }).getBoundingClientRect();
        return (box.top + box.bottom) / 2;
      }),
    );
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...parts) - Math.min(...parts)).toBeLessThan(6);
    const headerScroll = await phone.locator(".convoy-header").evaluate((element) => {
      const el = element as unknown as { scrollWidth: number; clientWidth: number };
      return el.scrollWidth - el.clientWidth;
    });
    expect(headerScroll).toBeLessThanOrEqual(0);

    // A new offer arrives while the inbox is open: it goes in at the top, on screen.
    const { id: newest } = await dispatcher.api.offers.create.mutate(loadInput([driver.userId], { rateCents: 34_000 }));
    const item = phone.locator(`.driver-offer-list a[data-offer-id="${newest}"]`);
    await item.waitFor();
    expect(await toastWith(phone, "New offer")).toContain("$340.00");
    const toast = await boxOf(phone.locator(".convoy-toast", { hasText: "New offer" }).first());
    expect(await phone.locator(".driver-offer-list a[data-offer-id]").first().getAttribute("data-offer-id")).toBe(String(newest));

    const path = join(screenshots, "phone-new-offer.png");
    await phone.screenshot({ path });
    expect(readFileSync(path).subarray(1, 4).toString()).toBe("PNG");
    expect(await item.isVisible()).toBe(true);
    const box = await boxOf(item);
    expect(box.y).toBeGreaterThanOrEqual(header.y + header.height);
    expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    expect(overlaps(box, toast)).toBe(false);
    // Nothing was scrolled to get there: the page is at its top.
    expect(await phone.evaluate(() => (globalThis as unknown as PageWindow).scrollY)).toBe(0);
    // The offer is named the same way as everywhere else.
    expect(await item.locator(".driver-offer-item__meta").textContent()).toMatch(new RegExp(`^Offer #${newest} · `));
  });

  it("won screen shows the agreed rate", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 8);
    const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput([driver.userId], { rateCents: 18_000 }));
    await driver.api.offers.respond.mutate({ offerId, action: "counter", counterRateCents: 22_000 });
    await dispatcher.api.offers.acceptCounter.mutate({ offerId, driverId: driver.userId, counterRateCents: 22_000 });

    const phone = await browser.newPage({ viewport: PHONE });
    await signIn(phone, t.url, "driver", demoLogin("driver", 8));
    const item = phone.locator(`a[data-offer-id="${offerId}"][data-state="won"]`);
    expect(await item.locator(".driver-offer-item__rate").textContent()).toBe("$220.00");
    await item.click();
    await phone.locator('[data-outcome="won"]').getByText("You won this load at $220.00").waitFor();
    expect(await phone.locator(".driver-offer__head h1").textContent()).toBe("$220.00");
    expect(await phone.getByText(`Load · Offer #${offerId} from`).textContent()).toContain("offered at $180.00");
  });

  it("phone route map: the pickup and dropoff markers are drawn clear of the map's buttons, notes and attribution", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 10);
    // A short hop south-west: fitted, the two markers sit on the map's top and bottom edges.
    const dropoff = { address: "Union Station, Chicago", lat: 41.8789, lng: -87.6359 };
    const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput([driver.userId], { dropoff }));

    const phone = await browser.newPage({ viewport: PHONE });
    await signIn(phone, t.url, "driver", demoLogin("driver", 10));
    await phone.locator(`a[data-offer-id="${offerId}"]`).click();
    const map = phone.locator(".driver-route__map");
    const pickup = map.locator('[data-marker-id="pickup"]');
    const dropoffMarker = map.locator('[data-marker-id="dropoff"]');
    await pickup.waitFor();
    await dropoffMarker.waitFor();
    await map.locator(".convoy-map__legend").waitFor();

    const mapBox = await boxOf(map);
    const covers = [map.locator(".leaflet-control-zoom"), map.locator(".leaflet-control-attribution"), map.locator(".convoy-map__overlays > *")];
    const coverBoxes: Box[] = [];
    for (const cover of covers) for (const one of await cover.all()) coverBoxes.push(await boxOf(one));
    for (const marker of [pickup, dropoffMarker]) {
      const box = await boxOf(marker);
      expect(box.x).toBeGreaterThanOrEqual(mapBox.x);
      expect(box.y).toBeGreaterThanOrEqual(mapBox.y);
      expect(box.x + box.width).toBeLessThanOrEqual(mapBox.x + mapBox.width);
      expect(box.y + box.height).toBeLessThanOrEqual(mapBox.y + mapBox.height);
      for (const cover of coverBoxes) expect(overlaps(box, cover)).toBe(false);
    }
  });

  it("banner clears when the connection is back", { timeout: 90_000 }, async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 9);
    const { id: first } = await dispatcher.api.offers.create.mutate(loadInput([driver.userId], { rateCents: 40_000 }));
    const { id: second } = await dispatcher.api.offers.create.mutate(loadInput([driver.userId], { rateCents: 41_000 }));
    const balancer: TcpBalancer = await startTcpBalancer([Number(new URL(t.url).port)]);
    try {
      const phone = await browser.newPage({ viewport: PHONE });
      await signIn(phone, balancer.url, "driver", demoLogin("driver", 9));
      await phone.locator(`a[data-offer-id="${first}"]`).click();
      await phone.getByRole("button", { name: "Accept $400.00" }).waitFor();

      // The server goes away; the driver goes back and opens the other offer meanwhile.
      balancer.setBackends([]);
      balancer.dropOpenConnections();
      await phone.locator('.convoy-badge:not([data-status="connected"])').waitFor();
      await phone.getByRole("link", { name: "← Offers" }).click();
      await phone.locator(`a[data-offer-id="${second}"]`).click();
      const banner = phone.getByRole("alert").filter({ hasText: "Can't reach the Convoy server" });
      await banner.waitFor({ timeout: 30_000 });

      // The server is back: the banner goes by itself and the offer shows.
      balancer.setBackends([Number(new URL(t.url).port)]);
      await phone.locator('.convoy-badge[data-status="connected"]').waitFor({ timeout: 30_000 });
      await phone.getByRole("button", { name: "Accept $410.00" }).waitFor({ timeout: 15_000 });
      expect(await banner.count()).toBe(0);
    } finally {
      await balancer.close();
    }

    // Opened while the API is down (the page's own host up, as under `pnpm dev`): the notice
    // goes and the app comes up by itself once the API answers, without "Try again".
    const rider = await browser.newPage({ viewport: PHONE });
    await signIn(rider, t.url, "rider", demoLogin("rider", 3));
    await rider.route("**/trpc/**", (route) => route.abort("connectionrefused"));
    await rider.reload();
    const notice = rider.getByRole("alert").filter({ hasText: "The server could not be reached" });
    await notice.waitFor({ timeout: 20_000 });
    await rider.unroute("**/trpc/**");
    await rider.locator('.convoy-badge[data-status="connected"]').waitFor({ timeout: 20_000 });
    expect(await notice.count()).toBe(0);
  });
});
