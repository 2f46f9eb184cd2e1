import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient } from "@convoy/client";
import { demoLogin } from "@convoy/db";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { DESKTOP, signIn, toastWith, waitForText } from "../support/appPages";
import { collectFrom } from "../support/subscriptions";

const apps = builtAppsDir();
const t = useTestServer({ staticDir: apps.dir });
const browser = useBrowser();
afterAll(() => apps.remove());

describe("the dispatcher's API keys page", () => {
  it("makes a scoped key shown once with a copy button, lists it without its secret, and revokes it, closing the service's socket", async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.url });
    await signIn(page, t.url, "dispatcher", demoLogin("dispatcher"));
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByText("No keys yet.").waitFor();

    // The form says what is wrong before anything is sent.
    await page.getByRole("button", { name: "Create key" }).click();
    await waitForText(page.getByRole("alert"), "name is required");

    await page.getByLabel("Name (what the service is)").fill("Billing export");
    await page.getByRole("checkbox", { name: /offers:read/ }).check();
    await page.getByLabel("Expires").selectOption({ label: "30 days" });
    await page.getByRole("button", { name: "Create key" }).click();
    const secretField = page.getByLabel("The new API key");
    await secretField.waitFor();
    const key = await secretField.inputValue();
    expect(key).toMatch(/^cvk_\d+_[A-Za-z0-9_-]{43}$/);

    await page.getByRole("button", { name: "Copy" }).click();
    await toastWith(page, "Key copied");
    const copied = await page.evaluate(() =>
      (globalThis as unknown as { navigator: { clipboard: { readText: () => Promise<string> } } }).navigator.clipboard.readText(),
    );
    expect(copied).toBe(key);

    // The key works, as the dispatcher, within its scopes.
    const service = createConvoyClient({ url: t.url, apiKey: key, WebSocket });
    expect((await service.api.auth.me.query()).email).toBe(demoLogin("dispatcher").email);
    const stream = collectFrom(service.api.trips.events.subscribe, {});
    await stream.started;

    await page.getByRole("button", { name: "Done, I stored it" }).click();
    await page.reload();
    await page.getByRole("link", { name: "API keys" }).click();
    const row = page.locator('table[aria-label="API keys"] tbody tr', { hasText: "Billing export" });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/cvk_\d+_…\s+offers:read, trips:read[\s\S]*Active/);
    // The secret is the 43 characters after `cvk_<id>_` (base64url, which may itself hold "_").
    expect(await page.content()).not.toContain(key.slice(-43));

    const ended = new Promise<string>((resolve) => service.onSessionEnded(({ reason }) => resolve(reason)));
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Revoke key Billing export for good" }).click();
    await toastWith(page, "Key “Billing export” revoked");
    await row.getByText(/^Revoked /).waitFor();
    expect(await ended).toBe("key_revoked");
    stream.stop();
    await service.close();
  });
});
