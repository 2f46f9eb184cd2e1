import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import WebSocket from "ws";
import { pino } from "pino";
import { createConvoyClient, type ConvoyClient } from "@convoy/client";
import { demoLogin, dropDatabase, type Database, type DemoLogin } from "@convoy/db";
import {
  createSession,
  type ApiKeyOptions,
  type PositionSocketOptions,
  type PushOptions,
  type RateLimitSettings,
  type SessionRegistryOptions,
  type TrackingLinkOptions,
  type TrackingOptions,
  type TripOptions,
  type PlaceOptions,
  type GeocoderOptions,
} from "@convoy/api/server";
import {
  prepareDatabase,
  startConvoyServer,
  type CallBudgetSettings,
  type ConvoyServerConfig,
  type KeepAliveOptions,
  type RunningServer,
} from "../../src";
import { TEST_ALLOWED_ORIGIN, TEST_JWT_SECRET, testMysqlBaseUrl } from "./config";

export interface TestServer {
  /** HTTP origin, e.g. http://127.0.0.1:41234 */
  url: string;
  databaseUrl: string;
  db: Database;
  server: RunningServer;
  /** Logs in through the API and returns a client that uses the token. */
  login: (email: string, password: string) => Promise<LoggedInClient>;
  /** `as("dispatcher")`, `as("driver", 3)` (driver3@convoy.test), `as("rider", 1)`. */
  as: (role: DemoLogin["role"], index?: number) => Promise<LoggedInClient>;
  /** A client with no token. */
  anonymous: () => ConvoyClient;
  /**
   * An access token of a new session for an existing user, without a login (a login's
   * scrypt check is slow when a test needs hundreds of users).
   */
  tokenFor: (userId: number, role: DemoLogin["role"], ttlSeconds?: number) => Promise<{ token: string; refreshToken: string; sessionId: number }>;
}

export interface LoggedInClient extends ConvoyClient {
  /** The access token the client was made with. */
  token: string;
  refreshToken: string;
  userId: number;
}

export interface TestServerOptions {
  rateLimits?: RateLimitSettings;
  /** Serve the built apps from this directory (holding dispatcher/, driver/, rider/), for browser tests. */
  staticDir?: string;
  /** Presence grace after the last socket closes, in ms (the server default is 30 s). */
  presenceGraceMs?: number;
  tracking?: TrackingOptions;
  /** Ride dispatch settings (tests use a small search radius, small waves and short offer windows). */
  trips?: TripOptions;
  /** Tracking links' lifetimes, caps and re-check period. */
  trackingLinks?: TrackingLinkOptions;
  places?: PlaceOptions;
  /** Address search; tests point it at a stand-in (`support/geocoderStandIn.ts`). */
  geocoder?: GeocoderOptions | null;
  positionSockets?: PositionSocketOptions;
  /** Access token lifetime in seconds (server default 15 min). */
  accessTokenTtlSeconds?: number;
  sessions?: SessionRegistryOptions;
  apiKeys?: ApiKeyOptions;
  callBudgets?: CallBudgetSettings;
  /** Web Push settings (off by default, as with no VAPID keys). */
  push?: PushOptions;
  /** When a quiet tRPC socket is pinged and dropped (the server default is 30 s and 10 s). */
  keepAlive?: KeepAliveOptions;
}

/** Creates a fresh database with a unique name, migrated and seeded. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(testMysqlBaseUrl());
  base.pathname = `/convoy_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const url = base.toString();
  return { url, drop: () => dropDatabase(url) };
}

/**
 * A server process of the test's own on a prepared database (`prepareDatabase`), on a free
 * loopback port, silent, with no Origin allowed: for tests that need a second instance or
 * settings `useTestServer` does not take. `overrides` replace any of these.
 */
export function startTestServer(
  database: ConvoyServerConfig["database"],
  overrides: Partial<Omit<ConvoyServerConfig, "database">> = {},
): Promise<RunningServer> {
  return startConvoyServer({
    database,
    jwtSecret: TEST_JWT_SECRET,
    port: 0,
    host: "127.0.0.1",
    allowedOrigins: new Set(),
    logger: pino({ level: "silent" }),
    ...overrides,
  });
}

/**
 * Starts a real Convoy server on an ephemeral port against this file's own database, and
 * tears both down after the file. Every client made here is closed at the end too.
 */
export function useTestServer(options: TestServerOptions = {}): TestServer {
  const clients: ConvoyClient[] = [];
  const state = {} as TestServer;
  let dropDb: (() => Promise<void>) | null = null;

  const makeClient = (token: string | null) => {
    const client = createConvoyClient({ url: state.url, token, WebSocket });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    const database = await createTestDatabase();
    dropDb = database.drop;
    const { handle } = await prepareDatabase(database.url, { seed: true });
    const server = await startConvoyServer({
      database: handle,
      jwtSecret: TEST_JWT_SECRET,
      port: 0,
      host: "127.0.0.1",
      allowedOrigins: new Set([TEST_ALLOWED_ORIGIN]),
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
      rateLimits: options.rateLimits,
      staticDir: options.staticDir,
      presenceGraceMs: options.presenceGraceMs,
      tracking: options.tracking,
      trips: options.trips,
      trackingLinks: options.trackingLinks,
      places: options.places,
      geocoder: options.geocoder,
      positionSockets: options.positionSockets,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds,
      sessions: options.sessions,
      apiKeys: options.apiKeys,
      callBudgets: options.callBudgets,
      push: options.push,
      keepAlive: options.keepAlive,
    });
    Object.assign(state, {
      url: server.url,
      databaseUrl: database.url,
      db: handle.db,
      server,
      anonymous: () => makeClient(null),
      async login(email: string, password: string) {
        const { token, refreshToken, user } = await makeClient(null).api.auth.login.mutate({ email, password });
        if (!refreshToken) throw new Error("login without a cookie must return the refresh token");
        return Object.assign(makeClient(token), { token, refreshToken, userId: user.id });
      },
      async tokenFor(userId: number, role: DemoLogin["role"], ttlSeconds?: number) {
        const session = await createSession(handle.db, server.services.tokens, userId, 3_600);
        const { token } = server.services.tokens.sign({ id: userId, role }, session.sessionId, ttlSeconds);
        return { token, refreshToken: session.refreshToken, sessionId: session.sessionId };
      },
      async as(role: DemoLogin["role"], index = 1) {
        const login = demoLogin(role, index);
        return state.login(login.email, login.password);
      },
    } satisfies Partial<TestServer>);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await (state.server as RunningServer | undefined)?.shutdown();
    await dropDb?.();
  });

  return state;
}
