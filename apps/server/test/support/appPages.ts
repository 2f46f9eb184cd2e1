import type { Locator, Page } from "playwright-core";
import { type DemoLogin } from "@convoy/db";

/** A dispatch desk: wide enough for the offers page's three zones side by side. */
export const DESKTOP = { width: 1280, height: 800 };

/** Signs in through the app's login form and waits until its socket is live. */
export async function signIn(page: Page, origin: string, app: DemoLogin["role"], { email, password }: DemoLogin) {
  await page.goto(`${origin}/${app}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator('.convoy-badge[data-status="connected"]').waitFor();
}

/**
 * Marks the page's current document; `stillSameDocument` is false after any reload or full
 * navigation, so a test can prove that what it saw arrived live.
 */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as { __convoyTestMark?: boolean }).__convoyTestMark = true;
  });
}

export async function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as { __convoyTestMark?: boolean }).__convoyTestMark === true);
}

/** A global the page may have set, e.g. by injected script. */
export function pageGlobal(page: Page, name: string): Promise<unknown> {
  return page.evaluate((key) => (globalThis as Record<string, unknown>)[key], name);
}

/** The parts of a DOM element these helpers touch (the server's tsconfig has no DOM types). */
interface ElementBox {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  getBoundingClientRect: () => { top: number };
  closest: (selector: string) => ElementBox | null;
}

/** A scrolling element's position: how far down, and how far from its end. */
export function scrollState(locator: Locator): Promise<{ top: number; fromBottom: number }> {
  return locator.evaluate((el: ElementBox) => ({ top: el.scrollTop, fromBottom: el.scrollHeight - el.scrollTop - el.clientHeight }));
}

export async function scrollTo(locator: Locator, top: number): Promise<void> {
  await locator.evaluate((el: ElementBox, value) => {
    el.scrollTop = value;
  }, top);
}

/** How far below the top edge of its nearest `ancestor` the element is drawn, in px. */
export function offsetWithin(locator: Locator, ancestor: string): Promise<number> {
  return locator.evaluate(
    (el: ElementBox, selector) => el.getBoundingClientRect().top - (el.closest(selector)?.getBoundingClientRect().top ?? 0),
    ancestor,
  );
}

/** The text of a toast that contains `text`, once one shows. */
export async function toastWith(page: Page, text: string): Promise<string> {
  const toast = page.locator(".convoy-toast", { hasText: text }).first();
  await toast.waitFor();
  return (await toast.textContent()) ?? "";
}

/** Waits until `locator`'s text is exactly `expected` (Playwright re-queries until then). */
export async function waitForText(locator: Locator, expected: string): Promise<void> {
  await locator.filter({ hasText: new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) }).waitFor();
}
