import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import {
  DESKTOP,
  markDocument,
  offsetWithin,
  pageGlobal,
  scrollState,
  scrollTo,
  signIn,
  stillSameDocument,
  toastWith,
  waitForText,
} from "../support/appPages";
import { loadInput } from "../support/offerFixtures";
import { demoLogin } from "@convoy/db";

const apps = builtAppsDir();
// Seeding a long thread through the API would trip the 10-messages-per-10-s chat limit.
const t = useTestServer({ staticDir: apps.dir, rateLimits: { chatPoints: 1_000 } });
const browser = useBrowser();
afterAll(() => apps.remove());

const XSS = `<img src=x onerror="window.__xss=1">`;

/** An offer from the demo dispatcher to one demo driver, made through the API. */
async function offerTo(driverIndex: number) {
  const dispatcher = await t.as("dispatcher");
  const driver = await t.as("driver", driverIndex);
  const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
  return { dispatcher, driver, offerId: offer.id };
}

async function send(page: Page, body: string) {
  const composer = page.getByLabel("Message", { exact: true });
  await composer.fill(body);
  await composer.press("Enter");
  await page.locator(".convoy-msg--mine:not(.convoy-msg--pending)", { hasText: body }).last().waitFor();
}

/** The unread count in the header's nav, or 0 when no badge shows. */
async function navUnread(page: Page): Promise<number> {
  const badge = page.locator("nav .convoy-count");
  return (await badge.count()) === 0 ? 0 : Number(await badge.textContent());
}

const receiptOf = (page: Page, body: string) => page.locator(".convoy-msg--mine", { hasText: body }).locator(".convoy-msg__receipt");

describe("chat in the browser", () => {
  it("chats both ways with typing, read marks, unread badges, and bodies rendered as text", async () => {
    const { driver, offerId } = await offerTo(1);
    const desk = await browser.newPage({ viewport: DESKTOP });
    const phone = await browser.newPage();
    await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
    await signIn(phone, t.url, "driver", demoLogin("driver"));
    await markDocument(desk);
    await markDocument(phone);

    // The driver writes from the offer's chat while the dispatcher is on the drivers page.
    await phone.locator(`a[data-offer-id="${offerId}"]`).click();
    await phone.getByRole("link", { name: /^Chat with dispatcher/ }).click();
    await phone.getByText("No messages yet. Say hello.").waitFor();
    await send(phone, "Hi, is the dock open after 6?");
    await expect.poll(() => navUnread(desk)).toBe(1);
    expect(await toastWith(desk, "Hi, is the dock open")).toContain(`(offer #${offerId}): Hi, is the dock open after 6?`);
    await send(phone, "I can be there by 5:30");
    await expect.poll(() => navUnread(desk)).toBe(2);
    // Nobody has opened the thread on the desk yet: sent, not read.
    await receiptOf(phone, "I can be there by 5:30").and(phone.locator('[data-receipt="sent"]')).waitFor();

    // The dispatcher opens the thread: the driver's marks turn to read and the badge clears.
    await desk.getByRole("link", { name: /^Offers/ }).click();
    await desk.locator(`button[data-offer-id="${offerId}"]`).click();
    await desk
      .locator(`li[data-driver-id="${driver.userId}"]`)
      .getByRole("button", { name: /^Chat with/ })
      .click();
    await desk.locator(".convoy-msg--theirs", { hasText: "I can be there by 5:30" }).waitFor();
    await receiptOf(phone, "Hi, is the dock open after 6?").and(phone.locator('[data-receipt="read"]')).waitFor();
    await receiptOf(phone, "I can be there by 5:30").and(phone.locator('[data-receipt="read"]')).waitFor();
    await expect.poll(() => navUnread(desk)).toBe(0);
    await waitForText(desk.locator(".dispatch-chat-head h2"), "Ava A. (driver 1)");
    expect(await desk.locator(".dispatch-chat-head a").textContent()).toBe("+1 312 555 1000");

    // Typing shows on the other side, and goes when the message is sent.
    const deskComposer = desk.getByLabel("Message", { exact: true });
    await deskComposer.pressSequentially("Yes, until 8", { delay: 30 });
    await waitForText(phone.locator(".convoy-chat__typing"), "Dana Dispatcher is typing…");
    await deskComposer.press("Enter");
    await phone.locator(".convoy-msg--theirs", { hasText: "Yes, until 8" }).waitFor();
    await waitForText(phone.locator(".convoy-chat__typing"), "");
    // The driver has the thread open, so the dispatcher's message is read at once.
    await receiptOf(desk, "Yes, until 8").and(desk.locator('[data-receipt="read"]')).waitFor();

    const phoneComposer = phone.getByLabel("Message", { exact: true });
    await phoneComposer.pressSequentially("Great", { delay: 30 });
    await waitForText(desk.locator(".convoy-chat__typing"), "Ava A. (driver 1) is typing…");
    await phoneComposer.blur();
    await waitForText(desk.locator(".convoy-chat__typing"), "");

    // The driver steps back to the offer: a new message counts up on the chat button and the nav.
    await phone.getByRole("link", { name: /^← Offer #/ }).click();
    const chatLink = phone.getByRole("link", { name: /^Chat with dispatcher/ });
    await chatLink.waitFor();
    await send(desk, "Gate code is 4411");
    await waitForText(chatLink.locator(".convoy-count"), "1");
    await expect.poll(() => navUnread(phone)).toBe(1);
    expect(await toastWith(phone, "Gate code")).toContain(`Dispatcher (offer #${offerId}): Gate code is 4411`);
    await receiptOf(desk, "Gate code is 4411").and(desk.locator('[data-receipt="sent"]')).waitFor();
    await chatLink.click();
    await phone.locator(".convoy-msg--theirs", { hasText: "Gate code is 4411" }).waitFor();
    await receiptOf(desk, "Gate code is 4411").and(desk.locator('[data-receipt="read"]')).waitFor();
    await expect.poll(() => navUnread(phone)).toBe(0);

    // Markup in a body is text on both sides; nothing runs.
    await send(desk, XSS);
    await phone.locator(".convoy-msg--theirs .convoy-msg__body", { hasText: XSS }).waitFor();
    await send(phone, XSS);
    await desk.locator(".convoy-msg--theirs .convoy-msg__body", { hasText: XSS }).waitFor();
    for (const page of [desk, phone]) {
      expect(await page.locator(".convoy-msg__body").filter({ hasText: XSS }).first().textContent()).toBe(XSS);
      expect(await page.locator(".convoy-chat__messages img").count()).toBe(0);
      expect(await pageGlobal(page, "__xss")).toBeUndefined();
      expect(await stillSameDocument(page)).toBe(true);
    }
  });

  it("loads older pages at the top without moving the view, and does not yank a reader who scrolled up", async () => {
    const { dispatcher, driver, offerId } = await offerTo(2);
    for (let i = 1; i <= 45; i++) {
      await dispatcher.api.chat.send.mutate({ offerId, driverId: driver.userId, body: `Note ${i}`, clientMessageId: randomUUID() });
    }
    const phone = await browser.newPage();
    await signIn(phone, t.url, "driver", demoLogin("driver", 2));
    await phone.goto(`${t.url}/driver/#/offers/${offerId}/chat`);
    const list = phone.locator(".convoy-chat__messages");
    const note = (n: number) => list.locator(".convoy-msg__body", { hasText: new RegExp(`^Note ${n}$`) });
    // The newest page is in and scrolled to its end; older notes are not loaded yet.
    await note(45).waitFor();
    const atBottom = async () => (await scrollState(list)).fromBottom < 2;
    await expect.poll(atBottom).toBe(true);
    expect(await list.locator(".convoy-msg__body").count()).toBe(30);
    expect(await list.locator(".convoy-msg__body").first().textContent()).toBe("Note 16");

    // Scrolling to the top loads the rest, and the reader stays at the note they were reading.
    await scrollTo(list, 0);
    await note(1).waitFor({ state: "attached" });
    await expect.poll(() => list.locator(".convoy-msg__body").count()).toBe(45);
    const offsetInView = () => offsetWithin(note(16), ".convoy-chat__messages");
    await expect.poll(offsetInView).toBeGreaterThanOrEqual(0);
    expect(await offsetInView()).toBeLessThan(120);
    expect((await scrollState(list)).top).toBeGreaterThan(0);

    // A new message while the reader is up in the history: no jump, a "new message" button instead.
    const { top: scrollTop } = await scrollState(list);
    await dispatcher.api.chat.send.mutate({ offerId, driverId: driver.userId, body: "Note 46", clientMessageId: randomUUID() });
    await note(46).waitFor({ state: "attached" });
    const jump = phone.getByRole("button", { name: "1 new message ↓" });
    await jump.waitFor();
    expect((await scrollState(list)).top).toBe(scrollTop);
    await jump.click();
    await expect.poll(atBottom).toBe(true);
    await jump.waitFor({ state: "hidden" });
  });
});
