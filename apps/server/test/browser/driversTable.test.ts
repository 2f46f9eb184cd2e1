import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { demoLogin } from "@convoy/db";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { DESKTOP, markDocument, signIn, stillSameDocument, waitForText } from "../support/appPages";
import { loadInput } from "../support/offerFixtures";
import { connectedClient } from "../support/tracking";

const apps = builtAppsDir();
/** A short reconnect grace, so a closed socket reads as offline soon (the server default is 30 s). */
const GRACE_MS = 500;
const t = useTestServer({ staticDir: apps.dir, presenceGraceMs: GRACE_MS, rateLimits: { chatPoints: 1_000 } });
const browser = useBrowser();
afterAll(() => apps.remove());

/** The nav's unread badge, 0 when none shows. */
async function navUnread(page: Page): Promise<number> {
  const badge = page.locator("nav .convoy-count");
  return (await badge.count()) === 0 ? 0 : Number(await badge.getAttribute("data-unread"));
}

/** The parts of a DOM element `offerMarks` reads (the server's tsconfig has no DOM types). */
interface MarkedElement {
  getAttribute: (name: string) => string | null;
  querySelector: (selector: string) => MarkedElement | null;
}

/** Each offer's unread mark in the offers list (rows and the "not listed here" line), by offer id. */
async function offerMarks(page: Page): Promise<Map<number, number>> {
  const marks = await page
    .locator(".dispatch-offer-list :is([data-offer-id], [data-unread-offer-id])")
    .evaluateAll((elements) =>
      (elements as unknown as MarkedElement[]).map(
        (element) =>
          [
            Number(element.getAttribute("data-offer-id") ?? element.getAttribute("data-unread-offer-id")),
            Number(element.querySelector(".convoy-count")?.getAttribute("data-unread") ?? 0),
          ] as const,
      ),
    );
  return new Map(marks.filter(([, unread]) => unread > 0));
}

const sum = (marks: Map<number, number>) => [...marks.values()].reduce((total, n) => total + n, 0);

describe("the dispatcher's drivers table", () => {
  it("shows a driver going online, unavailable and offline live, with last seen, and filters on the live values", async () => {
    const driver = await t.as("driver", 9);
    const desk = await browser.newPage({ viewport: DESKTOP });
    await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
    const row = desk.locator(`table[aria-label="Drivers"] tbody tr[data-driver-id="${driver.userId}"]`);
    await row.waitFor();
    await markDocument(desk);
    expect(await row.getAttribute("data-online")).toBe("false");

    // The driver's app connects: online, without a reload.
    const socket = connectedClient(t, driver.token);
    await row.and(desk.locator('[data-online="true"]')).waitFor();
    await waitForText(row.locator(".dispatch-presence-cell"), "Online");

    // They switch themselves offline: the availability changes at once.
    await driver.api.drivers.setAvailability.mutate({ availability: "offline" });
    await waitForText(row.locator(".convoy-pill"), "Offline");

    // Their app closes: after the reconnect grace the row says offline, and since when.
    const closedAt = Date.now();
    await socket.close();
    await row.and(desk.locator('[data-online="false"]')).waitFor();
    const offlineAfterMs = Date.now() - closedAt;
    expect(await row.locator(".dispatch-presence-cell").textContent()).toBe("Offline · last seen just now");
    // The grace plus a few seconds at most, not a poll interval or a reload.
    expect(offlineAfterMs).toBeLessThan(GRACE_MS + 4_000);

    // Filtered to drivers online, the row is gone; it comes back live when the driver reconnects.
    await desk.getByLabel("Presence").selectOption("online");
    await row.waitFor({ state: "detached" });
    const again = connectedClient(t, driver.token);
    await row.and(desk.locator('[data-online="true"]')).waitFor();
    await again.close();
    await row.waitFor({ state: "detached" });

    // Details open from the table.
    await desk.getByLabel("Presence").selectOption("all");
    await row.getByRole("button", { name: /\(driver 9\)$/ }).click();
    const details = desk.getByRole("dialog", { name: /\(driver 9\)$/ });
    await details.getByText(/^Offline · last seen/).waitFor();
    expect(await stillSameDocument(desk)).toBe(true);
  });

  it("measures distances from an open offer's pickup, nearest first, and shows the trip a driver is on", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 8);
    const { id: offerId } = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const desk = await browser.newPage({ viewport: DESKTOP });
    await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
    const rows = desk.locator('table[aria-label="Drivers"] tbody tr');
    await rows.first().waitFor();
    await markDocument(desk);

    const picker = desk.getByLabel("Pickup of an open offer");
    await picker.locator(`option[value="${offerId}"]`).waitFor({ state: "attached" });
    await picker.selectOption(String(offerId));
    await expect.poll(() => desk.getByLabel("Pickup lat").inputValue()).toBe("41.8837");
    const distances = async () =>
      (await rows.locator("td:last-child").allTextContents()).map((text) => (text === "—" ? Infinity : Number(text.split(" ")[0])));
    await expect.poll(async () => (await distances())[0]).toBeLessThan(Infinity);
    const shown = await distances();
    expect(shown).toEqual([...shown].sort((a, b) => a - b));

    // The driver accepts: their row shows the trip and them busy, live.
    const { tripId } = await driver.api.offers.respond.mutate({ offerId, action: "accept" });
    const row = desk.locator(`tr[data-driver-id="${driver.userId}"]`);
    await waitForText(row.locator("td").nth(6), `Trip #${tripId} (load) · Driver assigned`);
    // Availability comes on its own stream; seen busy now, "Available" below is the cancel's doing.
    await waitForText(row.locator(".convoy-pill"), "Busy");
    await driver.api.trips.updateStatus.mutate({ tripId: tripId!, status: "en_route" });
    await waitForText(row.locator("td").nth(6), `Trip #${tripId} (load) · En route`);
    await dispatcher.api.trips.cancel.mutate({ tripId: tripId!, reason: "Shipper withdrew the load" });
    await waitForText(row.locator("td").nth(6), "—");
    await waitForText(row.locator(".convoy-pill"), "Available");
    expect(await stillSameDocument(desk)).toBe(true);
  });
});

describe("unread marks on the offers list", () => {
  it("marks each offer with its unread count, adding up to the badge; reading a thread clears both", async () => {
    const dispatcher = await t.as("dispatcher");
    const [first, second] = await Promise.all([t.as("driver", 11), t.as("driver", 12)]);
    const offerA = await dispatcher.api.offers.create.mutate(loadInput([first.userId, second.userId]));
    const offerB = await dispatcher.api.offers.create.mutate(loadInput([second.userId]));
    const say = (driver: typeof first, offerId: number, body: string) =>
      driver.api.chat.send.mutate({ offerId, body, clientMessageId: randomUUID() });
    await say(first, offerA.id, "Is the dock open at 6?");
    await say(first, offerA.id, "And is there a forklift?");
    await say(second, offerA.id, "I can do it for $500");
    await say(second, offerB.id, "Ready when you are");

    const desk = await browser.newPage({ viewport: DESKTOP });
    await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
    await desk.getByRole("link", { name: /^Offers/ }).click();
    await desk.locator(`.dispatch-offer-list [data-offer-id="${offerB.id}"]`).waitFor();
    await markDocument(desk);

    const expected = await dispatcher.api.chat.unreadCount.query();
    expect(expected.byOffer.find((offer) => offer.offerId === offerA.id)?.unread).toBeGreaterThanOrEqual(3);
    await expect.poll(() => navUnread(desk)).toBe(expected.unread);
    const marks = await offerMarks(desk);
    expect(marks).toEqual(new Map(expected.byOffer.map((offer) => [offer.offerId, offer.unread])));
    expect(sum(marks)).toBe(await navUnread(desk));

    // Reading the first driver's thread on offer A takes their messages off both.
    const firstUnread = (await dispatcher.api.chat.threads.query({ offerId: offerA.id })).find((thread) => thread.driverId === first.userId)!.unread;
    await desk.locator(`.dispatch-offer-list [data-offer-id="${offerA.id}"]`).click();
    await desk
      .locator(`li[data-driver-id="${first.userId}"]`)
      .getByRole("button", { name: /^Chat with/ })
      .click();
    await desk.locator(".convoy-msg", { hasText: "And is there a forklift?" }).waitFor();
    await expect.poll(() => navUnread(desk)).toBe(expected.unread - firstUnread);
    const afterRead = await offerMarks(desk);
    expect(afterRead.get(offerA.id) ?? 0).toBe((marks.get(offerA.id) ?? 0) - firstUnread);
    expect(sum(afterRead)).toBe(await navUnread(desk));

    // A new message on offer B shows on its mark and the badge together, live.
    await say(second, offerB.id, "Still there?");
    await expect.poll(() => navUnread(desk)).toBe(expected.unread - firstUnread + 1);
    await expect.poll(async () => (await offerMarks(desk)).get(offerB.id)).toBe((marks.get(offerB.id) ?? 0) + 1);
    expect(sum(await offerMarks(desk))).toBe(await navUnread(desk));

    // Offers the filter leaves out keep their marks, named under the list.
    await desk.getByRole("group", { name: "Offer status" }).getByRole("button", { name: "Expired" }).click();
    await desk.locator(`[data-unread-offer-id="${offerB.id}"]`).waitFor();
    expect(await desk.locator("button.dispatch-offer-item").count()).toBe(0);
    expect(sum(await offerMarks(desk))).toBe(await navUnread(desk));
    expect(await stillSameDocument(desk)).toBe(true);
  });
});
