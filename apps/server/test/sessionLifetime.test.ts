import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { createConvoyClient, createConvoySession, type ConvoyClient, type ConvoySession } from "@convoy/client";
import { eq, sessions } from "@convoy/db";
import { useTestServer } from "./support/harness";
import { offerEvents } from "./support/offerFixtures";
import { frameMatching, openTrpcSocket, replyTo } from "./support/rawSockets";

/** Sessions end for good this long after sign-in here, so a test sees one end. */
const SESSION_TTL_SECONDS = 4;
/** How long after its session's end a stream may stay open (the bound). */
const EXPIRY_CLOSE_BOUND_MS = 5_000;

const t = useTestServer({
  sessions: { sessionTtlSeconds: SESSION_TTL_SECONDS, refreshRaceGraceMs: 10_000 },
  rateLimits: { mutationPoints: 10_000 },
});

const made: { client: ConvoyClient; session: ConvoySession }[] = [];
afterAll(async () => {
  for (const { client, session } of made) {
    session.close();
    await client.close();
  }
});

async function sessionRow(id: number) {
  const [row] = await t.db.select().from(sessions).where(eq(sessions.id, id));
  return row!;
}

describe("a session past its absolute lifetime", () => {
  it("closes its socket within 5 s of the end, and the client reports it expired, not refreshable", async () => {
    const signedIn = await t.anonymous().api.auth.login.mutate({ email: "driver3@convoy.test", password: "drive123" });
    // The access token never outlives its session.
    expect(signedIn.expiresAt).toBeLessThanOrEqual(signedIn.sessionExpiresAt);
    const session = createConvoySession({ url: t.url, initial: signedIn });
    const client = createConvoyClient({ url: t.url, session, WebSocket, lazy: false });
    made.push({ client, session });
    const stream = offerEvents(Object.assign(client, { token: "", refreshToken: "", userId: signedIn.user.id }));
    await stream.started;

    const ended = await new Promise<{ reason: string }>((resolve) => client.onSessionEnded(resolve));
    const endedAt = Date.now();
    expect(ended).toEqual({ reason: "expired" });
    expect(endedAt - signedIn.sessionExpiresAt).toBeLessThan(EXPIRY_CLOSE_BOUND_MS);
    // Its refresh token is spent with the session: a refresh is refused, naming the expiry.
    const refused = await t
      .anonymous()
      .api.auth.refresh.mutate({ refreshToken: signedIn.refreshToken! })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
    expect((refused as TRPCClientError<AppRouter>).message).toContain("expired");
  });

  it("closes a raw socket that never refreshes, and refuses the token afterwards", async () => {
    const signedIn = await t.anonymous().api.auth.login.mutate({ email: "dispatcher@convoy.test", password: "dispatch123" });
    const raw = await openTrpcSocket(t.url, signedIn.token);
    const { code, at } = await raw.closed;
    // 4002: its access token, which ends with the session, expired.
    expect(code).toBe(4002);
    expect(at - signedIn.sessionExpiresAt).toBeLessThan(EXPIRY_CLOSE_BOUND_MS);
    // A socket opened with it afterwards is anonymous: every authenticated call is refused.
    const reopened = await openTrpcSocket(t.url, signedIn.token);
    reopened.send({ id: 1, method: "query", params: { path: "auth.me" } });
    const reply = (await frameMatching(reopened, replyTo(1))) as { error?: { data: { code: string } } };
    expect(reply.error?.data.code).toBe("UNAUTHORIZED");
    reopened.socket.close();
  });
});

describe("two tabs refreshing one session at once", () => {
  it("rotates once, tells the other tab to retry, and keeps the session", async () => {
    const login = await t.anonymous().api.auth.login.mutate({ email: "rider3@convoy.test", password: "ride123" });
    const tabs = await Promise.allSettled([
      t.anonymous().api.auth.refresh.mutate({ refreshToken: login.refreshToken! }),
      t.anonymous().api.auth.refresh.mutate({ refreshToken: login.refreshToken! }),
    ]);
    const rotated = tabs.filter((tab) => tab.status === "fulfilled");
    const raced = tabs.filter((tab): tab is PromiseRejectedResult => tab.status === "rejected");
    expect(rotated).toHaveLength(1);
    expect(raced).toHaveLength(1);
    expect((raced[0]!.reason as TRPCClientError<AppRouter>).data?.code).toBe("CONFLICT");

    // The losing tab retries with what its (shared) cookie now holds: the rotated token.
    const winner = (rotated[0] as PromiseFulfilledResult<{ refreshToken?: string; token: string; user: { id: number } }>).value;
    const retried = await t.anonymous().api.auth.refresh.mutate({ refreshToken: winner.refreshToken! });
    expect(retried.user.id).toBe(login.user.id);
    const row = await sessionRow(sessionIdOf(retried.token));
    expect(row.revokedAt).toBeNull();

    // A made-up token naming this session is refused and ends nothing.
    const sessionId = sessionIdOf(retried.token);
    const forged = await t
      .anonymous()
      .api.auth.refresh.mutate({ refreshToken: `${sessionId}.${"A".repeat(43)}.${"B".repeat(43)}` })
      .catch((error: unknown) => error);
    expect((forged as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
    expect((await sessionRow(sessionId)).revokedAt).toBeNull();

    // The first token, seen again two rotations later, is reuse: someone kept a copy. The
    // session ends, and its newest refresh token with it.
    const reused = await t
      .anonymous()
      .api.auth.refresh.mutate({ refreshToken: login.refreshToken! })
      .catch((error: unknown) => error);
    expect((reused as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
    expect((await sessionRow(sessionId)).revokeReason).toBe("refresh_reused");
    const afterwards = await t
      .anonymous()
      .api.auth.refresh.mutate({ refreshToken: retried.refreshToken! })
      .catch((error: unknown) => error);
    expect((afterwards as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
  });
});

/** The session id an access token names (its `sid` claim). */
function sessionIdOf(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { sid: number };
  return payload.sid;
}
