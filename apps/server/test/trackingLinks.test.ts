import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TRPCClientError } from "@trpc/client";
import { createConvoyClient } from "@convoy/client";
import type { AppRouter, PublicTrackingFrame } from "@convoy/api";
import { eq, trackingLinks, users } from "@convoy/db";
import { prepareDatabase } from "../src";
import { startTestServer, useTestServer, type LoggedInClient } from "./support/harness";
import { createExtraUsers, loginExtra } from "./support/fixtures";
import { collect, type Collected } from "./support/subscriptions";
import { addDrivers, addRiders, area, assignedRide, offsetKm, type Point } from "./support/tripFixtures";

/** Links made without a lifetime expire after this; the other tests give theirs one. */
const DEFAULT_TTL_MS = 2_000;
const LINKS_PER_HOUR = 6;

const t = useTestServer({
  trips: { searchRadiusKm: 2 },
  trackingLinks: { defaultTtlMs: DEFAULT_TTL_MS, maxTtlMs: 120 * 60_000, maxLivePerTrip: 3 },
  // Every client here comes from 127.0.0.1: the opens budget is tested on an instance of its own.
  rateLimits: { trackingLinkPoints: LINKS_PER_HOUR, trackingLinkOpenPoints: 100_000 },
});

let dispatcher: LoggedInClient;
let otherDispatcher: LoggedInClient;
let riders: LoggedInClient[];
let drivers: LoggedInClient[];
let nextArea = 10;

beforeAll(async () => {
  dispatcher = await t.as("dispatcher");
  const [extra] = await createExtraUsers(t.db, "dispatcher", 1, "link-dispatcher");
  otherDispatcher = await loginExtra(t, extra!.email);
  riders = await addRiders(t, 13);
  drivers = await addDrivers(t, 11);
});

/** A ride that a new rider requested and a new driver won: status `assigned` (each has one trip at a time). */
async function ride() {
  const rider = riders[nextArea - 10]!;
  const driver = drivers[nextArea - 10]!;
  return { rider, driver, ...(await assignedRide(t, rider, driver, area(nextArea++))) };
}

interface Viewer extends Collected<PublicTrackingFrame> {
  /** Resolves when the server ended the stream. */
  completed: Promise<number>;
}

/** Opens the public page's stream with no sign-in (on this file's server, or through `client`). */
function view(token: string, client = t.anonymous()): Viewer {
  let markCompleted!: (at: number) => void;
  const completed = new Promise<number>((resolve) => (markCompleted = resolve));
  const collected = collect<PublicTrackingFrame>((handlers) =>
    client.api.trackingLinks.watch.subscribe({ token }, { ...handlers, onComplete: () => markCompleted(Date.now()) }),
  );
  return Object.assign(collected, { completed });
}

async function refusal(run: () => Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await run();
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error("the call was not refused");
}

async function viewRefusal(token: string, client = t.anonymous()): Promise<TRPCClientError<AppRouter>> {
  const stream = view(token, client);
  await stream.until(() => stream.errors.length > 0);
  stream.stop();
  const error = stream.errors[0];
  if (!(error instanceof TRPCClientError)) throw new Error(`unexpected error ${String(error)}`);
  return error as TRPCClientError<AppRouter>;
}

let clock = Date.now();
async function report(driver: LoggedInClient, at: Point): Promise<void> {
  clock = Math.max(clock + 1, Date.now());
  await driver.api.tracking.report.mutate({ points: [{ ...at, recordedAt: clock, headingDeg: 90 }] });
}

describe("trackingLinks.create, list and revoke", () => {
  it("lets the trip's rider and any dispatcher make links, and refuses the driver and other riders", async () => {
    const { tripId, rider, driver } = await ride();
    const otherRider = riders[12]!;

    const byRider = await rider.api.trackingLinks.create.mutate({ tripId, label: "Front desk", expiresInMinutes: 60 });
    expect(byRider.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(byRider.link).toMatchObject({ tripId, label: "Front desk", state: "live", createdBy: { id: rider.userId } });
    const expiresIn = Date.parse(byRider.link.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(59 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60_000);
    const byDispatcher = await otherDispatcher.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 30 });

    // Only the hash is stored.
    const stored = await t.db.select().from(trackingLinks).where(eq(trackingLinks.tripId, tripId));
    expect(JSON.stringify(stored)).not.toContain(byRider.token);
    expect(stored.every((row) => /^[0-9a-f]{64}$/.test(row.tokenHash))).toBe(true);

    expect((await dispatcher.api.trackingLinks.list.query({ tripId })).map((link) => link.id)).toEqual([byDispatcher.link.id, byRider.link.id]);
    expect((await rider.api.trackingLinks.list.query({ tripId })).map((link) => link.id)).toEqual([byRider.link.id]);

    const driverRefused = await refusal(() => driver.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 60 }));
    expect(driverRefused.data?.code).toBe("FORBIDDEN");
    expect((await refusal(() => driver.api.trackingLinks.list.query({ tripId }))).data?.code).toBe("FORBIDDEN");
    expect((await refusal(() => otherRider.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 60 }))).data?.code).toBe("NOT_FOUND");
    expect((await refusal(() => otherRider.api.trackingLinks.list.query({ tripId }))).data?.code).toBe("NOT_FOUND");
    // A rider revokes only their own links; a dispatcher any.
    expect((await refusal(() => otherRider.api.trackingLinks.revoke.mutate({ linkId: byRider.link.id }))).data?.code).toBe("NOT_FOUND");
    expect((await refusal(() => rider.api.trackingLinks.revoke.mutate({ linkId: byDispatcher.link.id }))).data?.code).toBe("NOT_FOUND");
    expect((await refusal(() => driver.api.trackingLinks.revoke.mutate({ linkId: byRider.link.id }))).data?.code).toBe("FORBIDDEN");
    expect((await dispatcher.api.trackingLinks.revoke.mutate({ linkId: byRider.link.id })).state).toBe("revoked");
    const rows = await t.db.select().from(trackingLinks).where(eq(trackingLinks.id, byRider.link.id));
    expect(rows[0]).toMatchObject({ revokedBy: dispatcher.userId });
  });

  it("refuses a trip that ended and a trip at its cap of live links", async () => {
    const rider = riders[11]!;
    const requested = await rider.api.trips.request.mutate({
      pickup: { address: "Nowhere near", lat: -40, lng: 170 },
      dropoff: { address: "Still nowhere", lat: -40.1, lng: 170.1 },
    });
    // Nobody is in range, so the trip is cancelled at once.
    const noDriver = await refusal(() => rider.api.trackingLinks.create.mutate({ tripId: requested.id, expiresInMinutes: 5 }));
    expect(noDriver.data?.code).toBe("PRECONDITION_FAILED");
    expect(noDriver.message).toBe("This trip is cancelled; there is nothing left to track");

    const { tripId } = await ride();
    for (let i = 0; i < 3; i++) await dispatcher.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 5 });
    const capped = await refusal(() => dispatcher.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 5 }));
    expect(capped.data?.code).toBe("CONFLICT");
    expect(capped.message).toMatch(/already has 3 live tracking links; revoke one first/);
  });

  it("limits how many links one user makes per hour", async () => {
    const [extra] = await createExtraUsers(t.db, "dispatcher", 1, "link-rate");
    const busy = await loginExtra(t, extra!.email);
    const { tripId } = await ride();
    for (let i = 0; i < LINKS_PER_HOUR; i++) {
      const { link } = await busy.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 5 });
      await busy.api.trackingLinks.revoke.mutate({ linkId: link.id });
    }
    const refused = await refusal(() => busy.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 5 }));
    expect(refused.data?.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/^Too many tracking links created; try again in \d+ s$/);
  });

  it("refuses bad input with a readable BAD_REQUEST", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ tripId: 1, expiresInMinutes: 0 }, /expiresInMinutes must be at least 1/],
      [{ tripId: 1, expiresInMinutes: 1.5 }, /expiresInMinutes must be whole minutes/],
      [{ tripId: 1, expiresInMinutes: 10_081 }, /expiresInMinutes must be at most 10080/],
      [{ tripId: 1, label: "x".repeat(81) }, /label must be at most 80 characters/],
      [{ tripId: 1, label: "   " }, /label must not be empty/],
      [{ tripId: -1 }, /tripId/],
    ];
    for (const [input, message] of cases) {
      const refused = await refusal(() => dispatcher.api.trackingLinks.create.mutate(input as never));
      expect({ input, code: refused.data?.code }).toEqual({ input, code: "BAD_REQUEST" });
      expect(refused.message).toMatch(message);
    }
    // This server allows at most 120 minutes.
    const { tripId } = await ride();
    const tooLong = await refusal(() => dispatcher.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 121 }));
    expect(tooLong.data?.code).toBe("BAD_REQUEST");
    expect(tooLong.message).toMatch(/expiresInMinutes must be at most 120 on this server/);
    const longToken = await viewRefusal("a".repeat(129));
    expect(longToken.data?.code).toBe("BAD_REQUEST");
    expect(longToken.message).toMatch(/token must be at most 128 characters/);
  });
});

describe("trackingLinks.watch", () => {
  it("shows a signed-out viewer the driver's position, status and ETA, with the first name and nothing else", async () => {
    const driver = drivers[nextArea - 10]!;
    await t.db.update(users).set({ name: "Marisol Quintanilla-Reyes", phone: "+1 312 555 0199" }).where(eq(users.id, driver.userId));
    const { tripId, pickup } = await ride();
    const [driverRow] = await t.db.select().from(users).where(eq(users.id, driver.userId));
    const { token } = await dispatcher.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 60 });

    const stream = view(token);
    const [snapshot] = await stream.until((frames) => frames.length >= 1);
    expect(snapshot).toMatchObject({ kind: "snapshot", status: "assigned", driverFirstName: "Marisol", target: "pickup", ended: null });
    const near = offsetKm(pickup, 0.5);
    await report(driver, near);
    const moved = (await stream.until((frames) => frames.some((f) => f.position?.lat === near.lat))).find((f) => f.position?.lat === near.lat)!;
    expect(moved).toMatchObject({ kind: "position", status: "assigned", target: "pickup", etaSource: "estimate" });
    expect(moved.etaSeconds).toBeGreaterThan(0);
    expect(moved.position).toEqual({ lat: near.lat, lng: near.lng, headingDeg: 90, recordedAt: clock });
    await driver.api.trips.updateStatus.mutate({ tripId, status: "en_route" });
    await stream.until((frames) => frames.some((f) => f.kind === "status" && f.status === "en_route"));

    for (const frame of stream.items) {
      expect(Object.keys(frame).sort()).toEqual(
        ["at", "driverFirstName", "ended", "etaSeconds", "etaSource", "expiresAt", "kind", "position", "status", "target", "tripKind"].sort(),
      );
    }
    const sent = JSON.stringify(stream.items);
    for (const secret of ["Quintanilla", driverRow!.phone, driverRow!.email, "Pickup", "Dropoff", `"driverId"`, `"tripId"`, "fare", "rider"]) {
      expect(sent, secret).not.toContain(secret);
    }
    stream.stop();
  });

  it("closes an open viewer within a second of a revocation, and the token then opens nothing", async () => {
    const { tripId, rider } = await ride();
    const { token, link } = await rider.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 60 });
    const stream = view(token);
    await stream.until((frames) => frames.length >= 1);
    const revokedAt = Date.now();
    await dispatcher.api.trackingLinks.revoke.mutate({ linkId: link.id });
    const [ended] = (await stream.until((frames) => frames.some((f) => f.kind === "ended"))).filter((f) => f.kind === "ended");
    const completedAt = await stream.completed;
    expect(ended).toMatchObject({ ended: "revoked", position: null, etaSeconds: null });
    expect(completedAt - revokedAt).toBeLessThan(1_000);
    expect(t.server.services.trackingLinks.viewers.size).toBe(0);

    const again = await viewRefusal(token);
    const madeUp = await viewRefusal("A".repeat(43));
    expect({ code: again.data?.code, message: again.message }).toEqual({ code: "NOT_FOUND", message: madeUp.message });
    expect(madeUp.data?.code).toBe("NOT_FOUND");
  });

  it("closes an open viewer when its link expires, and refuses it afterwards like any other token", async () => {
    const { tripId } = await ride();
    // No lifetime given: this server's default, DEFAULT_TTL_MS.
    const { token, link } = await otherDispatcher.api.trackingLinks.create.mutate({ tripId });
    const expiresAt = Date.parse(link.expiresAt);
    const stream = view(token);
    await stream.until((frames) => frames.length >= 1);
    const [ended] = (await stream.until((frames) => frames.some((f) => f.kind === "ended"), DEFAULT_TTL_MS + 5_000)).filter(
      (f) => f.kind === "ended",
    );
    const completedAt = await stream.completed;
    expect(ended?.ended).toBe("expired");
    expect(completedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(completedAt - expiresAt).toBeLessThan(1_000);
    expect((await dispatcher.api.trackingLinks.list.query({ tripId })).find((l) => l.id === link.id)?.state).toBe("expired");

    const expired = await viewRefusal(token);
    const madeUp = await viewRefusal("B".repeat(43));
    expect({ code: expired.data?.code, message: expired.message }).toEqual({ code: "NOT_FOUND", message: madeUp.message });
  });

  it("closes the viewers of a link whose creator's account is disabled, by the re-read of held links", async () => {
    const { tripId, rider } = await ride();
    const { token } = await rider.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 60 });
    const stream = view(token);
    await stream.until((frames) => frames.length >= 1);
    // Straight in SQL: no message on any bus, only MySQL knows.
    await t.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, rider.userId));
    await stream.until((frames) => frames.some((f) => f.kind === "ended" && f.ended === "revoked"), 5_000);
    await stream.completed;
    expect((await viewRefusal(token)).data?.code).toBe("NOT_FOUND");
  });

  it("ends after the trip's last status, and a finished trip's link shows how it ended", async () => {
    const { tripId, rider } = await ride();
    const { token } = await rider.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 60 });
    const stream = view(token);
    await stream.until((frames) => frames.length >= 1);
    await dispatcher.api.trips.cancel.mutate({ tripId, reason: "Consignee closed" });
    await stream.until((frames) => frames.some((f) => f.status === "cancelled"));
    await stream.completed;
    const later = view(token);
    const [only] = await later.until((frames) => frames.length >= 1);
    expect(only).toMatchObject({ kind: "snapshot", status: "cancelled", position: null, etaSeconds: null });
    await later.completed;
  });

  it("limits open pages per link and per address, and opens per address", async () => {
    const { tripId, rider } = await ride();
    const [first, second] = await Promise.all([
      rider.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 60 }),
      otherDispatcher.api.trackingLinks.create.mutate({ tripId, expiresInMinutes: 60 }),
    ]);
    const { handle } = await prepareDatabase(t.databaseUrl, { seed: false });
    const limited = await startTestServer(handle, {
      trackingLinks: { maxViewersPerLink: 2, maxViewersPerAddress: 3 },
      rateLimits: { trackingLinkOpenPoints: 6 },
    });
    const anonymous = createConvoyClient({ url: limited.url, WebSocket });
    try {
      const open = [view(first.token, anonymous), view(first.token, anonymous)];
      await Promise.all(open.map((stream) => stream.until((frames) => frames.length >= 1)));
      const perLink = await viewRefusal(first.token, anonymous);
      expect(perLink.data?.code).toBe("TOO_MANY_REQUESTS");
      expect(perLink.message).toMatch(/Too many people are watching this tracking link/);
      open.push(view(second.token, anonymous));
      await open[2]!.until((frames) => frames.length >= 1);
      const perAddress = await viewRefusal(second.token, anonymous);
      expect(perAddress.data?.code).toBe("TOO_MANY_REQUESTS");
      expect(perAddress.message).toMatch(/Too many tracking pages are open from your address/);
      // Five opens spent; the sixth is answered, the seventh refused before any lookup.
      expect((await viewRefusal("C".repeat(43), anonymous)).data?.code).toBe("NOT_FOUND");
      const tooMany = await viewRefusal(first.token, anonymous);
      expect(tooMany.data?.code).toBe("TOO_MANY_REQUESTS");
      expect(tooMany.message).toMatch(/^Too many tracking pages opened from your address; try again in \d+ s$/);
      for (const stream of open) stream.stop();
    } finally {
      await anonymous.close();
      await limited.shutdown();
    }
  });
});
