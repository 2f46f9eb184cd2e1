import { createECDH, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { PushService, type StoredEvent } from "@convoy/api/server";
import { count, eq, pushSubscriptions } from "@convoy/db";
import { loadEnv, pushOptions } from "../src/env";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { loadInput } from "./support/offerFixtures";
import { startPushTestServer, vapidKeyPair, type PushTestServer, type TestPushSubscription } from "./support/pushTestServer";

/** What the service worker receives: exactly these four fields. */
interface PushPayload {
  title: string;
  body: string;
  url: string;
  tag: string;
}

const vapid = { ...vapidKeyPair(), subject: "mailto:push-test@convoy.invalid" };
const t = useTestServer({
  rateLimits: { mutationPoints: 10_000, chatPoints: 10_000 },
  push: { vapid, allowLoopbackHttp: true, subscriptionLimits: { perSession: 2, perUser: 3 } },
});
let pushServer: PushTestServer;
let dispatcher: LoggedInClient;
/** Subscribed once in `beforeAll`: the dispatcher's own browser. */
let dispatcherDevice: TestPushSubscription;

beforeAll(async () => {
  pushServer = await startPushTestServer();
  dispatcher = await t.as("dispatcher");
  dispatcherDevice = await subscribe(dispatcher);
});
afterAll(async () => {
  await pushServer.stop();
});

/** A new subscription at the test push server, registered for the client's session. */
async function subscribe(client: LoggedInClient): Promise<TestPushSubscription> {
  const subscription = await pushServer.subscribe(vapid.publicKey);
  await client.api.push.subscribe.mutate({ endpoint: subscription.endpoint, keys: subscription.keys });
  return subscription;
}

/** Waits until the device has a message matching `match`, and returns it. */
async function received(device: TestPushSubscription, match: (payload: PushPayload) => boolean): Promise<PushPayload> {
  const messages = await pushServer.waitForMessages<PushPayload>(device.clientHash, (all) => all.some(match));
  return messages.find(match)!;
}

/** Everything queued so far is sent (or failed): what was not received by now never will be. */
const pushesSettled = () => t.server.services.push.idle();

const subscriptionRows = async (where = eq(pushSubscriptions.userId, pushSubscriptions.userId)) =>
  (await t.db.select({ n: count() }).from(pushSubscriptions).where(where))[0]!.n;

async function failureOf(promise: Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return { code: (error as TRPCClientError<AppRouter>).data?.code, message: error.message };
    throw error;
  }
  throw new Error("the call succeeded");
}

describe("push.publicKey", () => {
  it("gives dispatchers and drivers the VAPID public key and refuses riders", async () => {
    const driver = await t.as("driver", 1);
    expect(await driver.api.push.publicKey.query()).toEqual({ publicKey: vapid.publicKey });
    expect(await dispatcher.api.push.publicKey.query()).toEqual({ publicKey: vapid.publicKey });
    const rider = await t.as("rider", 1);
    expect(await failureOf(rider.api.push.publicKey.query())).toEqual({
      code: "FORBIDDEN",
      message: "Notifications are for dispatchers and drivers",
    });
    expect(await failureOf(t.anonymous().api.push.publicKey.query())).toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("what is pushed", () => {
  it("a new offer reaches its driver's device through the push service, with only title, body, url and tag", async () => {
    const driver = await t.as("driver", 2);
    const device = await subscribe(driver);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const payload = await received(device, (message) => message.tag === `offer-${offer.id}`);
    expect(payload).toEqual({
      title: "New load offer: $450.00",
      body: "100 N State St, Chicago → O'Hare Cargo Area, Chicago",
      url: `#/offers/${offer.id}`,
      tag: `offer-${offer.id}`,
    });
  });

  it("chat messages reach the other side of the thread, and not the sender", async () => {
    const driver = await t.as("driver", 3);
    const device = await subscribe(driver);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    await dispatcher.api.chat.send.mutate({
      offerId: offer.id,
      driverId: driver.userId,
      body: "Dock 4 is closed, use 5",
      clientMessageId: randomUUID(),
    });
    expect(await received(device, (message) => message.tag.startsWith("chat-"))).toEqual({
      title: `Dispatcher message on offer #${offer.id}`,
      body: "Dock 4 is closed, use 5",
      url: `#/offers/${offer.id}/chat`,
      tag: `chat-${offer.id}-${driver.userId}`,
    });
    await driver.api.chat.send.mutate({ offerId: offer.id, body: "On it", clientMessageId: randomUUID() });
    expect(await received(dispatcherDevice, (message) => message.body === "On it")).toEqual({
      title: `Driver message on offer #${offer.id}`,
      body: "On it",
      url: `#/offers/${offer.id}/drivers/${driver.userId}`,
      tag: `chat-${offer.id}-${driver.userId}`,
    });
    await pushesSettled();
    const driverChats = (await pushServer.messages(device.clientHash)).filter((message) => message.includes('"chat-'));
    expect(driverChats).toHaveLength(1);
  });

  it("a driver's counter and a driver's accept reach the dispatcher; a counter the dispatcher accepts reaches the driver", async () => {
    const [countering, accepting] = [await t.as("driver", 4), await t.as("driver", 5)];
    const counteringDevice = await subscribe(countering);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([countering.userId, accepting.userId]));
    await countering.api.offers.respond.mutate({ offerId: offer.id, action: "counter", counterRateCents: 52_000 });
    expect(await received(dispatcherDevice, (message) => message.title === `Counter on offer #${offer.id}`)).toEqual({
      title: `Counter on offer #${offer.id}`,
      body: "A driver asks $520.00",
      url: `#/offers/${offer.id}/drivers/${countering.userId}`,
      tag: `offer-${offer.id}-driver-${countering.userId}`,
    });
    await dispatcher.api.offers.acceptCounter.mutate({ offerId: offer.id, driverId: countering.userId, counterRateCents: 52_000 });
    const won = await received(counteringDevice, (message) => message.title.includes("was accepted"));
    expect(won).toMatchObject({ title: `Your counter on offer #${offer.id} was accepted`, url: "#/" });
    expect(won.body).toMatch(/^Trip #\d+ at \$520\.00 is yours$/);

    const second = await dispatcher.api.offers.create.mutate(loadInput([accepting.userId]));
    await accepting.api.offers.respond.mutate({ offerId: second.id, action: "accept" });
    const { name } = await accepting.api.auth.me.query();
    expect(await received(dispatcherDevice, (message) => message.title === `Offer #${second.id} accepted`)).toMatchObject({
      body: `${name} accepted at $450.00`,
      url: `#/offers/${second.id}/drivers/${accepting.userId}`,
    });
  });

  it("a trip the dispatcher cancels reaches its driver", async () => {
    const driver = await t.as("driver", 6);
    const device = await subscribe(driver);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    const accepted = await driver.api.offers.respond.mutate({ offerId: offer.id, action: "accept" });
    const tripId = accepted.tripId!;
    await dispatcher.api.trips.cancel.mutate({ tripId, reason: "Customer closed early" });
    expect(await received(device, (message) => message.tag === `trip-${tripId}`)).toEqual({
      title: `Load #${tripId} cancelled`,
      body: "Customer closed early",
      url: "#/",
      tag: `trip-${tripId}`,
    });
  });

  it("nothing reaches a device for another user's offer or thread", async () => {
    const [bystander, recipient] = [await t.as("driver", 7), await t.as("driver", 8)];
    const bystanderDevice = await subscribe(bystander);
    const recipientDevice = await subscribe(recipient);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([recipient.userId]));
    await dispatcher.api.chat.send.mutate({
      offerId: offer.id,
      driverId: recipient.userId,
      body: "for the recipient only",
      clientMessageId: randomUUID(),
    });
    await received(recipientDevice, (message) => message.body === "for the recipient only");
    await pushesSettled();
    expect(await pushServer.messages(bystanderDevice.clientHash)).toEqual([]);
    // The bystander's device works: its own offer arrives.
    const own = await dispatcher.api.offers.create.mutate(loadInput([bystander.userId]));
    await received(bystanderDevice, (message) => message.tag === `offer-${own.id}`);
    expect(await pushServer.messages(bystanderDevice.clientHash)).toHaveLength(1);
  });
});

describe("subscriptions end", () => {
  it("when the push service answers 410 Gone, the subscription is removed", async () => {
    const driver = await t.as("driver", 9);
    const device = await subscribe(driver);
    expect(await subscriptionRows(eq(pushSubscriptions.userId, driver.userId))).toBe(1);
    await pushServer.expire(device.clientHash);
    const goneBefore = t.server.services.push.stats.gone;
    await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    await pushesSettled();
    expect(t.server.services.push.stats.gone).toBe(goneBefore + 1);
    expect(await subscriptionRows(eq(pushSubscriptions.userId, driver.userId))).toBe(0);
  });

  it("on logout the session's subscriptions are removed and nothing more is sent to them", async () => {
    const driver = await t.as("driver", 10);
    const device = await subscribe(driver);
    expect(await subscriptionRows(eq(pushSubscriptions.userId, driver.userId))).toBe(1);
    await driver.api.auth.logout.mutate();
    expect(await subscriptionRows(eq(pushSubscriptions.userId, driver.userId))).toBe(0);
    await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    await pushesSettled();
    expect(await pushServer.messages(device.clientHash)).toEqual([]);
  });

  it("push.unsubscribe removes the caller's own subscription only", async () => {
    const [owner, other] = [await t.as("driver", 11), await t.as("driver", 12)];
    const device = await subscribe(owner);
    expect(await other.api.push.unsubscribe.mutate({ endpoint: device.endpoint })).toEqual({ removed: false });
    expect(await subscriptionRows(eq(pushSubscriptions.userId, owner.userId))).toBe(1);
    expect(await owner.api.push.unsubscribe.mutate({ endpoint: device.endpoint })).toEqual({ removed: true });
    expect(await subscriptionRows(eq(pushSubscriptions.userId, owner.userId))).toBe(0);
  });

  it("an endpoint subscribed again in a new sign-in, with its keys, moves to that session (and user)", async () => {
    const [first, second] = [await t.as("driver", 13), await t.as("driver", 14)];
    const device = await subscribe(first);
    // Knowing the URL is not enough: other keys for another user's endpoint are refused.
    const otherKeys = (await pushServer.subscribe(vapid.publicKey)).keys;
    expect(await failureOf(second.api.push.subscribe.mutate({ endpoint: device.endpoint, keys: otherKeys }))).toMatchObject({ code: "CONFLICT" });
    expect(await subscriptionRows(eq(pushSubscriptions.userId, first.userId))).toBe(1);
    await second.api.push.subscribe.mutate({ endpoint: device.endpoint, keys: device.keys });
    expect(await subscriptionRows(eq(pushSubscriptions.userId, first.userId))).toBe(0);
    expect(await subscriptionRows(eq(pushSubscriptions.userId, second.userId))).toBe(1);
  });
});

/** A push service that takes requests and never answers them, until `release`. */
async function startSilentPushService() {
  const pending: ServerResponse[] = [];
  let arrived: () => void = () => undefined;
  const firstRequest = new Promise<void>((resolve) => (arrived = resolve));
  const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    pending.push(response);
    arrived();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    subscription: {
      endpoint: `http://127.0.0.1:${port}/push/${randomUUID()}`,
      keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") },
    },
    firstRequest,
    /** Requests received and not answered. */
    waiting: () => pending.filter((response) => !response.writableEnded).length,
    release: async () => {
      for (const response of pending) response.writeHead(201).end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("a push service that does not answer", () => {
  it("holds up no request: the offer is created while its push is still waiting for an answer", async () => {
    const driver = await t.as("driver", 17);
    const silent = await startSilentPushService();
    await driver.api.push.subscribe.mutate(silent.subscription);
    const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    expect(offer.id).toBeGreaterThan(0);
    await silent.firstRequest;
    expect(silent.waiting()).toBe(1);
    await silent.release();
    await pushesSettled();
  });

  it("gives up on a send after timeoutMs and counts it failed", async () => {
    const driver = await t.as("driver", 18);
    const silent = await startSilentPushService();
    await driver.api.push.subscribe.mutate(silent.subscription);
    const push = new PushService({ db: t.db, logger: pino({ level: "silent" }) }, { vapid, timeoutMs: 200, allowLoopbackHttp: true });
    const chat: StoredEvent = {
      id: 1,
      stream: "chat",
      type: "message",
      offerId: 1,
      tripId: null,
      dispatcherId: dispatcher.userId,
      driverId: driver.userId,
      riderId: null,
      allDispatchers: false,
      payload: {
        message: {
          id: 1,
          offerId: 1,
          driverId: driver.userId,
          senderId: dispatcher.userId,
          kind: "text",
          body: "hello",
          clientMessageId: null,
          createdAt: "",
        },
      },
      createdAt: new Date().toISOString(),
    };
    push.notify([chat]);
    await silent.firstRequest;
    await push.idle();
    expect(push.stats).toEqual({ sent: 0, failed: 1, gone: 0, dropped: 0 });
    await silent.release();
  });
});

describe("limits", () => {
  it("a session keeps its newest subscriptions (2 here); a user is refused past 3 over all sessions", async () => {
    const driver = await t.as("driver", 15);
    const first = await subscribe(driver);
    await subscribe(driver);
    await subscribe(driver);
    const rows = await t.db
      .select({ endpoint: pushSubscriptions.endpoint })
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.userId, driver.userId));
    expect(rows).toHaveLength(2);
    expect(rows.map((row) => row.endpoint)).not.toContain(first.endpoint);

    const again = await t.as("driver", 15);
    await subscribe(again);
    const refused = await failureOf(subscribe(again));
    expect(refused).toEqual({
      code: "TOO_MANY_REQUESTS",
      message: "Notifications are on for you on 3 devices already; turn them off on one, or sign out there",
    });
    expect(await subscriptionRows(eq(pushSubscriptions.userId, driver.userId))).toBe(3);
  });
});

describe("push.subscribe input", () => {
  const p256dh = `B${"A".repeat(86)}`;
  const auth = "A".repeat(22);
  const cases: [string, unknown, string][] = [
    ["not a URL", { endpoint: "push service", keys: { p256dh, auth } }, "endpoint: endpoint must be a URL"],
    ["plain http off loopback", { endpoint: "http://push.example.com/send/1", keys: { p256dh, auth } }, "endpoint must be an https:// URL"],
    ["another scheme", { endpoint: "ftp://push.example.com/1", keys: { p256dh, auth } }, "endpoint must be an https:// URL"],
    ["an address literal", { endpoint: "https://10.0.0.8/send/1", keys: { p256dh, auth } }, "endpoint must name a push service by host name"],
    ["credentials", { endpoint: "https://user:pw@push.example.com/1", keys: { p256dh, auth } }, "endpoint must not carry credentials"],
    [
      "too long",
      { endpoint: `https://push.example.com/${"a".repeat(1_024)}`, keys: { p256dh, auth } },
      "endpoint: endpoint must be at most 1024 characters",
    ],
    [
      "a short p256dh",
      { endpoint: "https://push.example.com/1", keys: { p256dh: p256dh.slice(1), auth } },
      "keys.p256dh: keys.p256dh must be 65 bytes",
    ],
    [
      "a compressed p256dh",
      { endpoint: "https://push.example.com/1", keys: { p256dh: `A${"A".repeat(86)}`, auth } },
      "uncompressed P-256 public key",
    ],
    [
      "auth not base64url",
      { endpoint: "https://push.example.com/1", keys: { p256dh, auth: `${"A".repeat(21)}+` } },
      "keys.auth: keys.auth must be 16 bytes",
    ],
    ["no keys", { endpoint: "https://push.example.com/1" }, "keys:"],
  ];
  it.each(cases)("refuses %s with BAD_REQUEST and says why", async (_name, input, message) => {
    const driver = await t.as("driver", 16);
    const failure = await failureOf(driver.api.push.subscribe.mutate(input as never));
    expect(failure.code).toBe("BAD_REQUEST");
    expect(failure.message).toContain(message);
    expect(await subscriptionRows(eq(pushSubscriptions.userId, driver.userId))).toBe(0);
  });

  it("refuses riders", async () => {
    const rider = await t.as("rider", 2);
    expect(await failureOf(rider.api.push.subscribe.mutate({ endpoint: "https://push.example.com/1", keys: { p256dh, auth } }))).toMatchObject({
      code: "FORBIDDEN",
    });
  });
});

describe("settings", () => {
  const keys = vapidKeyPair();
  it("production without VAPID keys starts with push off; with keys it needs VAPID_SUBJECT; one key alone is refused anywhere", () => {
    const production = { NODE_ENV: "production", JWT_SECRET: "x".repeat(40), DATABASE_URL: "mysql://u:p@db:3306/convoy" };
    expect(pushOptions(loadEnv(production)).vapid).toBeNull();
    expect(() => loadEnv({ ...production, VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey })).toThrow(
      /VAPID_SUBJECT: must be set with the VAPID keys when NODE_ENV=production/,
    );
    const withSubject = loadEnv({
      ...production,
      VAPID_PUBLIC_KEY: keys.publicKey,
      VAPID_PRIVATE_KEY: keys.privateKey,
      VAPID_SUBJECT: "mailto:ops@example.com",
    });
    expect(pushOptions(withSubject)).toMatchObject({ vapid: { ...keys, subject: "mailto:ops@example.com" }, allowLoopbackHttp: false });
    expect(() => loadEnv({ VAPID_PUBLIC_KEY: keys.publicKey })).toThrow(/set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY/);
    expect(() => loadEnv({ VAPID_PUBLIC_KEY: "short", VAPID_PRIVATE_KEY: keys.privateKey })).toThrow(
      /VAPID_PUBLIC_KEY must be an uncompressed P-256 public key/,
    );
  });
});
