import { beforeAll, describe, expect, it } from "vitest";
import { uploadProof, ProofUploadError } from "@convoy/client";
import { count, deliveryProofs, eq, proofFiles } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { addUsers, failure } from "./support/offerFixtures";
import { createExtraUsers, loginExtra } from "./support/fixtures";
import { jpegLike, loadAtDropoff, postUpload, solidPng } from "./support/proofFixtures";
import { addDrivers, addRiders, area, assignedRide } from "./support/tripFixtures";

const t = useTestServer({ trips: { searchRadiusKm: 2 }, rateLimits: { mutationPoints: 10_000 } });

let dispatcher: LoggedInClient;
let otherDispatcher: LoggedInClient;
let drivers: LoggedInClient[];
let rider: LoggedInClient;

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  const [extra] = await createExtraUsers(t.db, "dispatcher", 1, "otherdesk");
  otherDispatcher = await loginExtra(t, extra!.email);
  drivers = await addUsers(t, "driver", 9);
  rider = (await addRiders(t, 1))[0]!;
});

const MB = 1024 * 1024;

/** Uploads the photo and signature of `tripId` as `driver` and hands them in with a name. */
async function handIn(driver: LoggedInClient, tripId: number, recipientName = "Dana Whitfield") {
  const photo = await uploadProof({ url: t.url, token: driver.token, tripId, kind: "photo", body: solidPng(32, 24) });
  const signature = await uploadProof({ url: t.url, token: driver.token, tripId, kind: "signature", body: solidPng(60, 20, [0, 0, 0]) });
  const proof = await driver.api.proofs.submit.mutate({ tripId, recipientName, photoFileId: photo.fileId, signatureFileId: signature.fileId });
  return { photo, signature, proof };
}

async function fileCount(tripId: number): Promise<number> {
  const [row] = await t.db.select({ n: count() }).from(proofFiles).where(eq(proofFiles.tripId, tripId));
  return row!.n;
}

describe("proof uploads", () => {
  it("stores a PNG and a JPEG with the type their bytes show, whatever the client called them", async () => {
    const driver = drivers[0]!;
    const tripId = await loadAtDropoff(t, dispatcher, driver);
    const png = await postUpload(t, driver.token, { tripId, kind: "photo" }, solidPng(4, 4), { "content-type": "image/jpeg" });
    expect(png).toMatchObject({ status: 201, body: { contentType: "image/png", kind: "photo" } });
    const jpeg = await postUpload(t, driver.token, { tripId, kind: "photo" }, jpegLike(), { "content-type": "text/html" });
    expect(jpeg).toMatchObject({ status: 201, body: { contentType: "image/jpeg", byteSize: 2_048 } });
    const [row] = await t.db.select().from(proofFiles).where(eq(proofFiles.id, jpeg.body.fileId!));
    expect(row).toMatchObject({ tripId, kind: "photo", uploaderId: driver.userId, contentType: "image/jpeg" });
    expect(row!.storageKey).toMatch(new RegExp(`^proofs/${tripId}/photo-[0-9a-f]{32}\\.jpg$`));
  });

  it("refuses a .png that is text (415), a body over 10 MB declared or streamed (413), and stores nothing", async () => {
    const driver = drivers[1]!;
    const tripId = await loadAtDropoff(t, dispatcher, driver);

    const text = new Blob(["this is not a picture, whatever the name says\n".repeat(20)], { type: "image/png" });
    const fake = await postUpload(t, driver.token, { tripId, kind: "photo", name: "photo.png" }, text, { "content-type": "image/png" });
    expect(fake.status).toBe(415);
    expect(fake.body.error).toMatchObject({
      message: "Only JPEG, PNG and WebP images are accepted; this file is not one",
      data: { code: "UNSUPPORTED_MEDIA_TYPE" },
    });
    const svg = await postUpload(
      t,
      driver.token,
      { tripId, kind: "signature" },
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    expect(svg.status).toBe(415);

    // Declared: refused from the Content-Length before the body is read.
    const declared = await postUpload(t, driver.token, { tripId, kind: "photo" }, Buffer.concat([solidPng(2, 2), Buffer.alloc(10 * MB)]));
    expect(declared.status).toBe(413);
    expect(declared.body.error!.message).toBe("A proof image may be at most 10485760 bytes (10 MB)");

    // Streamed without a length: refused once the bytes received pass 10 MB.
    const chunk = Buffer.alloc(256 * 1024, 7);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(solidPng(2, 2));
        if (sent >= 10 * MB + 512 * 1024) return controller.close();
        controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const streamed = await postUpload(t, driver.token, { tripId, kind: "photo" }, stream);
    expect(streamed.status).toBe(413);
    expect(streamed.body.error!.data.code).toBe("PAYLOAD_TOO_LARGE");

    // Exactly at the limit is fine.
    const atLimit = Buffer.alloc(10 * MB, 1);
    atLimit.set(solidPng(1, 1), 0);
    expect((await postUpload(t, driver.token, { tripId, kind: "photo" }, atLimit)).status).toBe(201);
    expect(await fileCount(tripId)).toBe(1);
  });

  it("takes uploads only from the load's own driver, while it is out for delivery; others get 401, 403 or 404, a ride or an ended load 400 or 409", async () => {
    const [driver, otherDriver] = [drivers[2]!, drivers[3]!];
    const tripId = await loadAtDropoff(t, dispatcher, driver);
    const image = solidPng(2, 2);
    const answers = {
      noToken: await postUpload(t, null, { tripId, kind: "photo" }, image),
      badToken: await postUpload(t, "not-a-token", { tripId, kind: "photo" }, image),
      dispatcher: await postUpload(t, dispatcher.token, { tripId, kind: "photo" }, image),
      rider: await postUpload(t, rider.token, { tripId, kind: "photo" }, image),
      otherDriver: await postUpload(t, otherDriver.token, { tripId, kind: "photo" }, image),
      noSuchTrip: await postUpload(t, driver.token, { tripId: 99_999_999, kind: "photo" }, image),
      badKind: await postUpload(t, driver.token, { tripId, kind: "selfie" }, image),
      badTrip: await postUpload(t, driver.token, { tripId: "abc", kind: "photo" }, image),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([who, answer]) => [who, answer.status]))).toEqual({
      noToken: 401,
      badToken: 401,
      dispatcher: 403,
      rider: 403,
      otherDriver: 404,
      noSuchTrip: 404,
      badKind: 400,
      badTrip: 400,
    });
    expect(answers.badKind.body.error!.message).toBe("kind: kind must be one of photo, signature");
    expect(answers.otherDriver.body.error!.message).toBe("Trip not found");

    // A ride needs no proof, and a load not yet at its dropoff takes none.
    const [rideDriver] = await addDrivers(t, 1);
    const ride = await assignedRide(t, rider, rideDriver!, area(3));
    const rideUpload = await postUpload(t, rideDriver!.token, { tripId: ride.tripId, kind: "photo" }, image);
    expect(rideUpload.status).toBe(400);
    expect(rideUpload.body.error!.message).toBe("A ride needs no proof of delivery; only loads take photos and signatures");
    await rider.api.trips.cancel.mutate({ tripId: ride.tripId, reason: "test over" });
    await dispatcher.api.trips.cancel.mutate({ tripId, reason: "test over" });
    const cancelled = await postUpload(t, driver.token, { tripId, kind: "photo" }, image);
    expect(cancelled).toMatchObject({
      status: 409,
      body: { error: { message: "Proof of delivery is taken at the dropoff, while the load is in transit" } },
    });
    expect(await fileCount(tripId)).toBe(0);
  });

  it("refuses a load's 21st image, so one phone cannot fill the store", async () => {
    const driver = drivers[4]!;
    const tripId = await loadAtDropoff(t, dispatcher, driver);
    for (let n = 0; n < 20; n++) expect((await postUpload(t, driver.token, { tripId, kind: "signature" }, solidPng(1, 1))).status).toBe(201);
    const over = await postUpload(t, driver.token, { tripId, kind: "signature" }, solidPng(1, 1));
    expect(over.status).toBe(429);
    expect(over.body.error!.message).toMatch(/already has 20 proof images/);
    expect(await fileCount(tripId)).toBe(20);
  });
});

describe("completing a load", () => {
  it("is refused without proof of delivery, with a readable reason; the driver's own override reason does not count", async () => {
    const driver = drivers[5]!;
    const tripId = await loadAtDropoff(t, dispatcher, driver);
    const refused = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: "completed" }));
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toBe(
      "Proof of delivery is missing: take a photo of the delivered load, have the recipient sign and give their name, " +
        "then mark it delivered. If that cannot be done, ask dispatch to waive the proof.",
    );
    const overridden = await failure(driver.api.trips.updateStatus.mutate({ tripId, status: "completed", overrideReason: "Nobody at the dock" }));
    expect(overridden.code).toBe("PRECONDITION_FAILED");
    expect((await driver.api.trips.byId.query({ tripId })).status).toBe("in_progress");

    // Handing in the proof lets it through; the proof is then final.
    const { proof, photo, signature } = await handIn(driver, tripId);
    expect(proof).toMatchObject({ required: true, waiver: null, proof: { recipientName: "Dana Whitfield", driver: { id: driver.userId } } });
    expect((await driver.api.trips.updateStatus.mutate({ tripId, status: "completed" })).status).toBe("completed");
    const late = await failure(
      driver.api.proofs.submit.mutate({ tripId, recipientName: "Someone else", photoFileId: photo.fileId, signatureFileId: signature.fileId }),
    );
    expect(late).toMatchObject({ code: "CONFLICT", message: "Proof of delivery is handed in at the dropoff, while the load is in transit" });
    expect((await postUpload(t, driver.token, { tripId, kind: "photo" }, solidPng(1, 1))).status).toBe(409);
  });

  it("goes through without proof once the load's dispatcher waives it with a reason, which the trip's history keeps", async () => {
    const driver = drivers[6]!;
    const tripId = await loadAtDropoff(t, dispatcher, driver);
    expect((await failure(otherDispatcher.api.proofs.waive.mutate({ tripId, reason: "Not mine to waive" }))).code).toBe("NOT_FOUND");
    expect((await failure(driver.api.proofs.waive.mutate({ tripId, reason: "I say so" }))).code).toBe("FORBIDDEN");
    const empty = await failure(dispatcher.api.proofs.waive.mutate({ tripId, reason: "   " }));
    expect(empty).toMatchObject({ code: "BAD_REQUEST", message: "Invalid input: reason: say why the delivery needs no proof" });

    const waived = await dispatcher.api.proofs.waive.mutate({ tripId, reason: "Customer closed; left at the gate on their instruction" });
    expect(waived).toMatchObject({
      proof: null,
      waiver: { reason: "Customer closed; left at the gate on their instruction", by: { id: dispatcher.userId } },
    });
    expect((await driver.api.trips.updateStatus.mutate({ tripId, status: "completed" })).status).toBe("completed");
    const history = await dispatcher.api.trips.history.query({ tripId });
    expect(history).toEqual([
      expect.objectContaining({
        type: "proof_waived",
        reason: "Customer closed; left at the gate on their instruction",
        actor: { id: dispatcher.userId, name: expect.any(String) },
      }),
    ]);
    expect((await failure(dispatcher.api.proofs.waive.mutate({ tripId, reason: "again" }))).code).toBe("CONFLICT");
  });

  it("checks what is handed in: the files must be this load's photo and signature, and the name given", async () => {
    const [driver, otherDriver] = [drivers[7]!, drivers[3]!];
    const tripId = await loadAtDropoff(t, dispatcher, driver);
    const otherTrip = await loadAtDropoff(t, dispatcher, otherDriver);
    const upload = (who: LoggedInClient, trip: number, kind: "photo" | "signature") =>
      uploadProof({ url: t.url, token: who.token, tripId: trip, kind, body: solidPng(3, 3) });
    const [photo, signature, foreign] = [
      await upload(driver, tripId, "photo"),
      await upload(driver, tripId, "signature"),
      await upload(otherDriver, otherTrip, "photo"),
    ];
    const submit = (input: Partial<{ recipientName: string; photoFileId: number; signatureFileId: number }>) =>
      failure(
        driver.api.proofs.submit.mutate({ tripId, recipientName: "Sam", photoFileId: photo.fileId, signatureFileId: signature.fileId, ...input }),
      );
    expect(await submit({ photoFileId: signature.fileId })).toMatchObject({
      code: "BAD_REQUEST",
      message: "photoFileId must be a photo uploaded for this load",
    });
    expect(await submit({ photoFileId: foreign.fileId })).toMatchObject({
      code: "BAD_REQUEST",
      message: "photoFileId must be a photo uploaded for this load",
    });
    expect(await submit({ signatureFileId: photo.fileId })).toMatchObject({
      code: "BAD_REQUEST",
      message: "signatureFileId must be a signature uploaded for this load",
    });
    expect(await submit({ recipientName: "  " })).toMatchObject({
      code: "BAD_REQUEST",
      message: "Invalid input: recipientName: give the name of the person who received the delivery",
    });
    expect((await submit({ recipientName: "x".repeat(101) })).code).toBe("BAD_REQUEST");
    expect(
      (
        await failure(
          otherDriver.api.proofs.submit.mutate({ tripId, recipientName: "Sam", photoFileId: photo.fileId, signatureFileId: signature.fileId }),
        )
      ).code,
    ).toBe("NOT_FOUND");
    const [stored] = await t.db.select({ n: count() }).from(deliveryProofs).where(eq(deliveryProofs.tripId, tripId));
    expect(stored!.n).toBe(0);
    const refused: unknown = await uploadProof({
      url: t.url,
      token: driver.token,
      tripId,
      kind: "photo",
      body: new Uint8Array(Buffer.from("GIF89a....")),
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProofUploadError);
    expect(refused).toMatchObject({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE" });
    await dispatcher.api.trips.cancel.mutate({ tripId, reason: "test over" });
    await dispatcher.api.trips.cancel.mutate({ tripId: otherTrip, reason: "test over" });
  });
});

describe("signed links to proof files", () => {
  let tripId = 0;
  let photoBytes: Buffer;
  let links: Awaited<ReturnType<LoggedInClient["api"]["proofs"]["forTrip"]["query"]>>;

  beforeAll(async () => {
    const driver = drivers[8]!;
    tripId = await loadAtDropoff(t, dispatcher, driver);
    photoBytes = solidPng(40, 30, [10, 200, 90]);
    const photo = await uploadProof({ url: t.url, token: driver.token, tripId, kind: "photo", body: photoBytes });
    const signature = await uploadProof({ url: t.url, token: driver.token, tripId, kind: "signature", body: solidPng(5, 5) });
    await driver.api.proofs.submit.mutate({ tripId, recipientName: "Lee", photoFileId: photo.fileId, signatureFileId: signature.fileId });
    await driver.api.trips.updateStatus.mutate({ tripId, status: "completed" });
    links = await dispatcher.api.proofs.forTrip.query({ tripId });
  });

  it("are handed to the load's driver and dispatcher only; another driver or dispatcher gets NOT_FOUND", async () => {
    expect(links.proof).toMatchObject({ recipientName: "Lee", photo: { contentType: "image/png" }, signature: { contentType: "image/png" } });
    expect((await drivers[8]!.api.proofs.forTrip.query({ tripId })).proof?.photo.fileId).toBe(links.proof!.photo.fileId);
    for (const other of [drivers[1]!, otherDispatcher, rider]) {
      expect((await failure(other.api.proofs.forTrip.query({ tripId }))).code).toBe("NOT_FOUND");
    }
  });

  it("serve the stored bytes with the sniffed type, nosniff, inline and a CSP that runs nothing, with no token", async () => {
    const expires = Date.parse(links.proof!.photo.expiresAt) - Date.now();
    expect(expires).toBeGreaterThan(290_000);
    expect(expires).toBeLessThanOrEqual(300_000);
    const response = await fetch(`${t.url}${links.proof!.photo.url}`);
    expect(response.status).toBe(200);
    expect(
      Object.fromEntries(
        ["content-type", "x-content-type-options", "content-disposition", "content-security-policy"].map((h) => [h, response.headers.get(h)]),
      ),
    ).toEqual({
      "content-type": "image/png",
      "x-content-type-options": "nosniff",
      "content-disposition": "inline",
      "content-security-policy": "default-src 'none'; sandbox",
    });
    expect(Buffer.from(await response.arrayBuffer()).equals(photoBytes)).toBe(true);
  });

  it("are refused when tampered with or expired", async () => {
    const link = new URL(links.proof!.photo.url, t.url);
    const signatureId = links.proof!.signature.fileId;
    const variants: Record<string, string> = {
      otherFile: link.href.replace(`/files/${links.proof!.photo.fileId}?`, `/files/${signatureId}?`),
      laterExpiry: link.href.replace(/expires=(\d+)/, (_, at: string) => `expires=${Number(at) + 3_600}`),
      otherSignature: link.href.replace(/signature=([^&]+)/, (_, sig: string) => `signature=${sig.startsWith("A") ? "B" : "A"}${sig.slice(1)}`),
      noSignature: link.href.replace(/&signature=[^&]+/, ""),
      expired: `${t.url}${t.server.services.proofs.signer.sign(links.proof!.photo.fileId, Date.now() - 301_000).url}`,
    };
    const statuses: Record<string, [number, string]> = {};
    for (const [name, url] of Object.entries(variants)) {
      const response = await fetch(url);
      const body = (await response.json()) as { error: { message: string } };
      statuses[name] = [response.status, body.error.message];
    }
    expect(statuses).toEqual({
      otherFile: [403, "This link is not valid"],
      laterExpiry: [403, "This link is not valid"],
      otherSignature: [403, "This link is not valid"],
      noSignature: [400, "This is not a proof file link"],
      expired: [403, "This link has expired; reopen the trip for a fresh one"],
    });
  });
});
