import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, createConvoySession, type ConvoyClient, type ConvoySession } from "@convoy/client";
import { and, asc, eq, events, gt, or } from "@convoy/db";
import { useTestServer } from "./support/harness";
import { loadInput, offerEvents } from "./support/offerFixtures";

/** Access tokens live this long here, so a test sees several refreshes. */
const ACCESS_TTL_SECONDS = 4;
// No grace for a raced refresh: a second use of a refresh token is always reuse here.
const t = useTestServer({
  accessTokenTtlSeconds: ACCESS_TTL_SECONDS,
  rateLimits: { mutationPoints: 10_000 },
  sessions: { refreshRaceGraceMs: 0 },
});

const made: { client: ConvoyClient; session: ConvoySession }[] = [];
afterAll(async () => {
  for (const { client, session } of made) {
    session.close();
    await client.close();
  }
});

/**
 * Logs in and returns a client whose session refreshes itself. `socketsOpened()` counts the
 * tRPC sockets it has opened: on the server's reconnect notice the client opens the next one
 * before it leaves the old, so its connection state never leaves "open" and cannot show it.
 */
async function refreshingClient(email: string, password: string) {
  const signedIn = await t.anonymous().api.auth.login.mutate({ email, password });
  const session = createConvoySession({ url: t.url, initial: signedIn });
  let opened = 0;
  class CountingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      opened += 1;
    }
  }
  const client = createConvoyClient({ url: t.url, session, WebSocket: CountingWebSocket, lazy: false });
  made.push({ client, session });
  return Object.assign(client, { session, userId: signedIn.user.id, firstToken: signedIn.token, socketsOpened: () => opened });
}

async function visibleIds(dispatcherId: number, afterId: number): Promise<number[]> {
  const rows = await t.db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.stream, "offers"), gt(events.id, afterId), or(eq(events.dispatcherId, dispatcherId), eq(events.allDispatchers, true))))
    .orderBy(asc(events.id));
  return rows.map((row) => row.id);
}

describe("a session whose access token is refreshed", () => {
  it("keeps its socket's subscriptions across three token lifetimes and misses no event", async () => {
    const dispatcher = await refreshingClient("dispatcher@convoy.test", "dispatch123");
    const driver = await t.as("driver", 1);
    const baseline = (await visibleIds(dispatcher.userId, 0)).at(-1) ?? 0;
    const live = offerEvents(Object.assign(dispatcher, { token: "", refreshToken: "" }), { lastEventId: String(baseline) });
    await live.started;

    // Offers created over HTTP by the same refreshing session, across three lifetimes.
    const until = Date.now() + ACCESS_TTL_SECONDS * 3 * 1000;
    while (Date.now() < until) {
      await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const expected = await visibleIds(dispatcher.userId, baseline);
    await live.until((items) => items.length >= expected.length, 15_000);
    // A marker: one more offer, and nothing arrives besides it.
    const last = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
    await live.until((items) => items.some((item) => item.data.offerId === last.id));
    const all = await visibleIds(dispatcher.userId, baseline);
    expect(live.items.map((item) => Number(item.id))).toEqual(all);
    expect(live.errors).toEqual([]);

    expect(dispatcher.sessionEnded).toBeNull();
    expect(await dispatcher.session.getToken()).not.toBe(dispatcher.firstToken);
    // The socket re-authenticated: the client opened a new one at least twice, on the server's notice.
    expect(dispatcher.socketsOpened()).toBeGreaterThanOrEqual(3);
    live.stop();
  });
});

describe("a client whose session ended", () => {
  it("stops reconnecting and reports why after a logout elsewhere", async () => {
    const driver = await refreshingClient("driver2@convoy.test", "drive123");
    const stream = offerEvents(Object.assign(driver, { token: "", refreshToken: "" }));
    await stream.started;
    const ended = new Promise((resolve) => driver.onSessionEnded(resolve));
    const other = await t.as("driver", 2);
    await other.api.auth.logoutEverywhere.mutate();
    expect(await ended).toEqual({ reason: "logged_out_everywhere" });
    expect(driver.session.ended).toEqual({ reason: "logged_out_everywhere" });
    // It does not come back: no reconnect with the dead token.
    const states: string[] = [];
    driver.onConnectionStateChange((state) => states.push(state));
    await driver.api.auth.me.query().catch(() => undefined);
    expect(states.filter((state) => state === "open")).toEqual([]);
  });

  it("ends with the reason when its refresh token was reused", async () => {
    const login = await t.as("rider", 2);
    const session = createConvoySession({
      url: t.url,
      initial: { token: login.token, expiresAt: Date.now() + 60_000, refreshToken: login.refreshToken },
    });
    made.push({ client: login, session });
    await t.anonymous().api.auth.refresh.mutate({ refreshToken: login.refreshToken });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await session.refresh()).toBe(false);
    expect(session.ended).toEqual({ reason: "refresh_reused" });
  });
});
