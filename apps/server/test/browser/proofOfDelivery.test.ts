import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoLogin, deliveryProofs, eq, proofFiles, trips } from "@convoy/db";
import { useTestServer } from "../support/harness";
import { builtAppsDir, useBrowser } from "../support/browser";
import { DESKTOP, signIn } from "../support/appPages";
import { createExtraUsers, loginExtra } from "../support/fixtures";
import { loadAtDropoff, solidPng } from "../support/proofFixtures";

const apps = builtAppsDir();
const t = useTestServer({ staticDir: apps.dir });
const browser = useBrowser();
const photos = mkdtempSync(join(tmpdir(), "convoy-proof-photo-"));
afterAll(() => {
  apps.remove();
  rmSync(photos, { recursive: true, force: true });
});

/** The parts of an <img> element the test reads (the server's tsconfig has no DOM types). */
interface ImageBox {
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
}

describe("proof of delivery in the browser", () => {
  it("the driver photographs the load, has it signed and named, marks it delivered; the dispatcher's trip view shows the proof", async () => {
    const dispatcherApi = await t.as("dispatcher");
    const [created] = await createExtraUsers(t.db, "driver", 1, "podvan");
    const driverApi = await loginExtra(t, created!.email);
    const tripId = await loadAtDropoff(t, dispatcherApi, driverApi);
    // A photo as a phone's camera or file picker hands it over: a real PNG, 64×48.
    const photoPath = join(photos, "delivered-pallets.png");
    writeFileSync(photoPath, solidPng(64, 48, [30, 140, 220]));

    const phone = await browser.newPage();
    await signIn(phone, t.url, "driver", { role: "driver", email: created!.email, password: "extra-pass-123" });
    const card = phone.locator(`.driver-trip[data-trip-id="${tripId}"]`);
    const form = card.getByRole("form", { name: "Proof of delivery" });
    await form.waitFor();

    // Nothing yet: the app says what is missing and sends nothing.
    await form.getByRole("button", { name: "Mark delivered", exact: true }).click();
    await form.getByText("Take a photo of the delivered load").waitFor();

    const photoInput = form.getByLabel("Photo of the delivered load");
    expect(await photoInput.getAttribute("capture")).toBe("environment");
    await photoInput.setInputFiles(photoPath);
    await form.getByRole("img", { name: "The photo you took" }).waitFor();
    await form.getByRole("button", { name: "Mark delivered", exact: true }).click();
    await form.getByText("Have the recipient sign on the pad").waitFor();

    // The recipient signs: a stroke across the pad with the pointer.
    const pad = form.getByRole("img", { name: "Signature pad: the recipient signs here" });
    const box = (await pad.boundingBox())!;
    await phone.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.7);
    await phone.mouse.down();
    for (const [x, y] of [
      [0.25, 0.3],
      [0.4, 0.75],
      [0.55, 0.25],
      [0.7, 0.7],
      [0.9, 0.4],
    ] as const) {
      await phone.mouse.move(box.x + box.width * x, box.y + box.height * y, { steps: 4 });
    }
    await phone.mouse.up();
    await form.getByLabel("Recipient's name").fill("Maria Okafor");
    await form.getByRole("button", { name: "Mark delivered", exact: true }).click();

    // Delivered: the card leaves the phone's screen, and the trip is completed with its proof.
    await phone.getByText("Load delivered").first().waitFor();
    await card.waitFor({ state: "detached" });
    const [row] = await t.db.select({ status: trips.status }).from(trips).where(eq(trips.id, tripId));
    expect(row!.status).toBe("completed");
    const [proof] = await t.db.select().from(deliveryProofs).where(eq(deliveryProofs.tripId, tripId));
    expect(proof).toMatchObject({ recipientName: "Maria Okafor", driverId: driverApi.userId });
    const [signatureFile] = await t.db.select().from(proofFiles).where(eq(proofFiles.id, proof!.signatureFileId));
    expect(signatureFile).toMatchObject({ kind: "signature", contentType: "image/png" });

    // The dispatcher's trip view: the photo and the signature load, with the name and the time.
    const desk = await browser.newPage({ viewport: DESKTOP });
    await signIn(desk, t.url, "dispatcher", demoLogin("dispatcher"));
    await desk.getByRole("link", { name: "Trips" }).click();
    await desk.locator(`tr[data-trip-id="${tripId}"]`).click();
    const section = desk.locator(`.dispatch-trip[data-trip-id="${tripId}"]`).getByRole("region", { name: "Proof of delivery" });
    const photo = section.getByRole("img", { name: "Photo of the delivered load" });
    const signature = section.getByRole("img", { name: "Signature of Maria Okafor" });
    await photo.waitFor();
    await signature.waitFor();
    const loaded = (image: typeof photo) =>
      image.evaluate((element: ImageBox) =>
        element.complete && element.naturalWidth > 0 ? { width: element.naturalWidth, height: element.naturalHeight } : null,
      );
    await expect.poll(() => loaded(photo)).toEqual({ width: 64, height: 48 });
    await expect.poll(() => loaded(signature)).toEqual({ width: 600, height: 200 });
    expect(await section.locator(".dispatch-proof__recipient").textContent()).toBe("Maria Okafor");
    expect(await section.locator("time").getAttribute("dateTime")).toBe(proof!.capturedAt.toISOString());
    expect(await photo.getAttribute("src")).toMatch(/^\/proofs\/files\/\d+\?expires=\d+&signature=[\w-]+$/);
  });
});
