import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo, Socket } from "node:net";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "pino";
import type { Redis } from "ioredis";
import {
  ApiKeyRegistry,
  appRouter,
  createContext,
  createServices,
  TOKEN_EXPIRED_CLOSE_CODE,
  parseCookies,
  SocketBacklog,
  PositionSockets,
  POSITION_SOCKET_MAX_PAYLOAD_BYTES,
  POSITION_SOCKET_PATH,
  sharedJsonEncoder,
  type ApiKeyOptions,
  type ApiServices,
  type Bus,
  type CallTransport,
  type Context,
  type PositionSocketOptions,
  type ProofOptions,
  type StorageOptions,
  type PushOptions,
  type HttpExchange,
  type SocketBacklogOptions,
  type RateLimitSettings,
  type Session,
  type SessionRegistryOptions,
  type TrackingLinkOptions,
  type TrackingOptions,
  type TripOptions,
  type PlaceOptions,
  type GeocoderOptions,
} from "@convoy/api/server";
import type { DbHandle } from "@convoy/db";
import { HttpCallBudget } from "./budgets/httpCalls";
import { resolveCallBudgets, type CallBudgetSettings } from "./budgets/settings";
import { SocketCallBudgets } from "./budgets/socketCalls";
import { DirectSocketCalls } from "./directCalls";
import { createHttpQueryHandler } from "./httpQueries";
import { namesSubscription, refuseHttpSubscription } from "./httpSubscriptions";
import { KeepAlive, type KeepAliveOptions } from "./keepAlive";
import { requestFields, requestLogger } from "./logger";
import { ServerMetrics } from "./metrics";
import { isOriginAllowed } from "./origin";
import { proofRoutes } from "./proofFiles";
import { readinessChecker } from "./readiness";
import { serveStaticApp } from "./static";
import { coalesceFrames } from "./socketWrites";
import { upgradeSummary } from "./upgradeSummary";

/** Largest WebSocket frame or HTTP body accepted, in bytes. @default 65_536 */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Longest a timer may wait in Node (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ConvoyServerConfig {
  database: DbHandle;
  jwtSecret: string;
  port: number;
  host?: string;
  allowedOrigins: ReadonlySet<string>;
  logger: Logger;
  /** Defaults to the in-process bus. */
  bus?: Bus;
  /** When set, rate limits live in this Redis so every instance shares them. */
  rateLimitRedis?: Redis;
  staticDir?: string;
  rateLimits?: RateLimitSettings;
  /**
   * How long SIGTERM keeps serving (/readyz 503, `Connection: close` on every response) before
   * it stops accepting, so a load balancer can notice. @default 0 (ms)
   */
  drainDelayMs?: number;
  /**
   * How long /readyz waits for MySQL's and the bus's answers before it reports that one
   * `"timeout"`, so a probe never outlasts a balancer's own timeout. @default 500 (ms)
   */
  healthCheckTimeoutMs?: number;
  /** When set, /metrics answers only requests with `Authorization: Bearer <metricsToken>`. @default unset (open) */
  metricsToken?: string;
  /** How long SIGTERM waits for sockets to leave before closing them. @default 5_000 (ms) */
  drainTimeoutMs?: number;
  /** How long a user stays online after their last socket closes. @default 30_000 (ms) */
  presenceGraceMs?: number;
  /** Presence heartbeat between instances, in ms. @default 5_000 */
  presenceHeartbeatMs?: number;
  /** Silence after which another instance's users count as offline, in ms. @default 15_000 */
  presenceHeartbeatTtlMs?: number;
  /** Location buffering and fleet frame timings; see `TrackingOptions` for defaults. */
  tracking?: TrackingOptions;
  /** Ride dispatch waves and window, routing engine, arrival radius and ETA estimates; see `TripOptions` for defaults. */
  trips?: TripOptions;
  /** The default dwell time in places; see `PlaceOptions`. */
  places?: PlaceOptions;
  /** Address search (a Nominatim- or Photon-compatible API); none by default. */
  geocoder?: GeocoderOptions | null;
  /** Drivers' position sockets: auth timeout, rate limit, idle timeout; see `PositionSocketOptions`. */
  positionSockets?: PositionSocketOptions;
  /** Tracking links' lifetimes, viewer caps and re-check period; see `TrackingLinkOptions`. */
  trackingLinks?: TrackingLinkOptions;
  /** Access token lifetime, in seconds. @default 900 (15 min) */
  accessTokenTtlSeconds?: number;
  /** Session lifetime, cache size and MySQL re-check period; see `SessionRegistryOptions`. */
  sessions?: SessionRegistryOptions;
  /** API keys' call budget, last-use writes and MySQL re-check period; see `ApiKeyOptions`. */
  apiKeys?: ApiKeyOptions;
  /** Calls per tRPC WebSocket and per HTTP client, and calls per HTTP batch; see `CallBudgetSettings`. */
  callBudgets?: CallBudgetSettings;
  /** Unread bytes a tRPC socket's reader may leave before its streams hold back; see `SocketBacklogOptions`. */
  socketBacklog?: SocketBacklogOptions;
  /**
   * Events a durable subscription (offers, chat, trips) may have waiting for a reader that
   * is behind before its socket is closed with 1013 to resume from the log. @default 5_000
   */
  durableBacklogEvents?: number;
  /**
   * Where proof-of-delivery images are stored. @default a directory of its own under the
   * system's temporary directory, removed at shutdown (tests; `main.ts` passes `STORAGE_DIR`
   * or `STORAGE_URL`)
   */
  storage?: StorageOptions;
  /** Proof image size, signed link lifetime and images per trip; see `ProofOptions`. */
  proofs?: ProofOptions;
  /** Web Push: VAPID keys (none: push off), queue and endpoint rules; see `PushOptions`. @default off */
  push?: PushOptions;
  /**
   * Whether tRPC sockets serve chat's send, typing, read marks and events and offers' events
   * without tRPC's adapter (see `DirectSocketCalls`); off, every call goes through the
   * adapter (the tests compare the two). @default true
   */
  directSocketCalls?: boolean;
  /** When a quiet tRPC socket is sent "PING" and when one that stays quiet is dropped; see `KeepAliveOptions`. */
  keepAlive?: KeepAliveOptions;
}

export interface RunningServer {
  port: number;
  url: string;
  services: ApiServices;
  /** Graceful stop: tell sockets to reconnect, stop accepting, drain, close the pool. */
  shutdown: () => Promise<void>;
}

function bearerToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice(7) : null;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Cookies and `Set-Cookie` for the auth procedures that use the refresh cookie. */
function httpExchange(request: IncomingMessage, response: ServerResponse): HttpExchange {
  const hostname = (request.headers.host ?? "").replace(/:\d+$/, "");
  let cookies: ReadonlyMap<string, string> | undefined;
  return {
    // Only the procedures that use the refresh cookie read it; the rest do not pay for parsing.
    get cookies() {
      return (cookies ??= parseCookies(request.headers.cookie));
    },
    setCookie: (header) => void response.appendHeader("set-cookie", header),
    isLocalhost: LOOPBACK_HOSTS.has(hostname),
  };
}

/**
 * How long before its access token expires a socket is asked to reconnect (and so to
 * present a refreshed token): 30 s, or a quarter of a shorter token's lifetime.
 */
function reconnectLeadMs(session: Session): number {
  return Math.min(30_000, (session.expiresAt - session.issuedAt) / 4);
}

/** tRPC's "reconnect" notice: the client reopens, re-reads `connectionParams`, resubscribes from `lastEventId`. */
const RECONNECT_NOTICE = JSON.stringify({ id: null, method: "reconnect" });

function tokenFromConnectionParams(params: Record<string, string | undefined> | null | undefined): string | null {
  const token = params?.token;
  return typeof token === "string" && token.length > 0 && token.length <= 4_096 ? token : null;
}

/**
 * Starts Convoy's HTTP + WebSocket server on one port over the services of `createServices`:
 * routes HTTP, upgrades sockets, and on shutdown drains them before stopping the services.
 */
export async function startConvoyServer(config: ConvoyServerConfig): Promise<RunningServer> {
  const { database, logger } = config;
  const metrics = new ServerMetrics();
  const logCalls = logger.isLevelEnabled("debug");
  const scratchStorage = config.storage ? null : await mkdtemp(join(tmpdir(), "convoy-storage-"));
  const storage: StorageOptions = config.storage ?? { kind: "localDisk", dir: scratchStorage! };
  const { services, stop: stopServices } = await createServices({
    db: database.db,
    logger,
    jwtSecret: config.jwtSecret,
    bus: config.bus,
    rateLimitRedis: config.rateLimitRedis,
    rateLimits: config.rateLimits,
    presence: {
      graceMs: config.presenceGraceMs,
      heartbeatMs: config.presenceHeartbeatMs,
      heartbeatTtlMs: config.presenceHeartbeatTtlMs,
    },
    tracking: config.tracking,
    trips: config.trips,
    trackingLinks: config.trackingLinks,
    places: config.places,
    geocoder: config.geocoder,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    sessions: config.sessions,
    apiKeys: config.apiKeys,
    durableBacklogEvents: config.durableBacklogEvents,
    storage,
    proofs: config.proofs,
    push: config.push,
    observers: {
      eventWrite: metrics.observers.eventWrite,
      call: (procedure, type, transport, seconds) => {
        metrics.observers.call?.(procedure, type, transport, seconds);
        if (logCalls) logger.debug({ procedure, type, transport, ms: Math.round(seconds * 100_000) / 100 }, "call");
      },
    },
  });
  const { sessions, presence, tracking } = services;

  type ErrorInfo = { error: { code: string; message: string; cause?: unknown }; path?: string };
  const onError =
    (transport: CallTransport) =>
    ({ error, path }: ErrorInfo) => {
      metrics.callFailed(error.code, transport);
      if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error.cause ?? error, path, transport }, "procedure failed");
    };

  const callBudgets = resolveCallBudgets(config.callBudgets);
  const httpCallBudget = new HttpCallBudget(callBudgets, (token) => {
    if (ApiKeyRegistry.isApiKey(token)) {
      const keyId = services.apiKeys.verifiedKeyId(token);
      return keyId === null ? null : `api-key:${keyId}`;
    }
    const check = services.tokens.verify(token);
    return check.ok ? `session:${check.claims.sessionId}` : null;
  });
  const socketCallBudgets = new SocketCallBudgets(callBudgets, (address) =>
    logger.warn({ address }, "closed a WebSocket that kept calling past its budget"),
  );
  const trpcHttp = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    maxBodySize: MAX_PAYLOAD_BYTES,
    createContext: ({ req, res }) => createContext(services, bearerToken(req), { http: httpExchange(req, res), address: req.socket.remoteAddress }),
    onError: onError("http"),
  });
  // GETs of queries skip the adapter's Fetch Request/Response round trip; the rest go to it.
  const httpQueries = createHttpQueryHandler({
    router: appRouter,
    createContext: (req, res) => createContext(services, bearerToken(req), { http: httpExchange(req, res), address: req.socket.remoteAddress }),
    onError: onError("http"),
  });

  const proofFiles = proofRoutes({ services, logger, httpCallBudget });

  let draining = false;
  const checkReadiness = readinessChecker(database, services.bus, config.healthCheckTimeoutMs ?? 500, () => draining);
  const logRequest = requestLogger(logger);
  const httpServer: Server = createServer((request, response) => {
    logRequest?.(request, response);
    if (draining) response.setHeader("connection", "close");
    const path = request.url ?? "/";
    if (path.startsWith("/trpc/")) {
      if (namesSubscription(path)) refuseHttpSubscription(response);
      else if (!httpCallBudget.refuse(request, response) && !httpQueries(request, response)) trpcHttp(request, response);
      return;
    }
    // Liveness: the process answers. Nothing outside it is asked, so MySQL or Redis being
    // away never gets a healthy instance restarted; that is what /readyz reports.
    if (path === "/healthz") {
      response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      return;
    }
    if (path === "/readyz") {
      void checkReadiness().then((readiness) => {
        response.writeHead(readiness.ok ? 200 : 503, { "content-type": "application/json" });
        response.end(JSON.stringify(readiness));
      });
      return;
    }
    if (path === "/metrics") {
      metrics.serve(request, response, config.metricsToken);
      return;
    }
    if (proofFiles(request, response)) return;
    const serveStatic = config.staticDir ? serveStaticApp(config.staticDir, request, response) : Promise.resolve(false);
    serveStatic
      .then((served) => {
        if (!served) response.writeHead(404, { "content-type": "text/plain" }).end("Not found");
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, "static file failed");
        if (!response.headersSent) response.writeHead(500).end();
      });
  });

  const directCalls = config.directSocketCalls === false ? null : new DirectSocketCalls((error, path) => onError("ws")({ error, path }));

  const keepAlive = new KeepAlive(config.keepAlive);
  let socketsShed = 0;
  const socketBacklogOptions: SocketBacklogOptions = { ...config.socketBacklog, onShed: () => (socketsShed += 1) };
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  const wssHandler = applyWSSHandler({
    wss,
    router: appRouter,
    // Kept alive by `keepAlive`: one sweep for every socket, not two timers reset per frame.
    keepAlive: { enabled: false },
    // A fleet frame goes to every dispatcher: stringify it once, not once per socket.
    experimental_encoder: sharedJsonEncoder,
    onError: onError("ws"),
    async createContext({ req, res, info }) {
      directCalls?.contextPending(res);
      let context: Context;
      try {
        const backlog = new SocketBacklog(res, socketBacklogOptions);
        context = await createContext(services, tokenFromConnectionParams(info.connectionParams), { backlog, address: req.socket.remoteAddress });
      } catch (error) {
        directCalls?.contextFailed(res);
        throw error;
      }
      const { session } = context;
      if (session) trackSessionSocket(res, session);
      directCalls?.setContext(res, context);
      return context;
    },
  });

  // Drivers' position reports, on a socket of their own without tRPC's answer per call.
  const positionWss = new WebSocketServer({
    noServer: true,
    maxPayload: POSITION_SOCKET_MAX_PAYLOAD_BYTES,
    // Every message is parsed as JSON and checked field by field, and a malformed byte
    // sequence decodes to U+FFFD, which no report field accepts and which fails a token's
    // signature check; ws's own UTF-8 pass would be a second walk over every message.
    skipUTF8Validation: true,
  });
  const positionSockets = new PositionSockets<WebSocket>(
    {
      sessions,
      tracking,
      logger,
      onAuthenticated: (socket, session) => trackSessionSocket(socket, session, false),
    },
    config.positionSockets,
  );

  /**
   * Ties the socket to its session (an ending closes it), counts it for presence, asks a
   * tRPC socket to reconnect with a fresh token shortly before its access token expires, and
   * closes it with `TOKEN_EXPIRED_CLOSE_CODE` if it is still on that token at expiry. A
   * socket opened with an API key is tied to the key instead (its revocation or expiry
   * closes it) and does not make its dispatcher count as online.
   */
  function trackSessionSocket(socket: WebSocket, session: Session, askToReconnect = true) {
    // The socket may have closed while its token was checked; its "close" has fired already.
    if (socket.readyState !== socket.OPEN) return;
    if (session.apiKey) {
      socket.once("close", services.apiKeys.addStream(session, socket));
      return;
    }
    const { userId, role } = session;
    const untie = sessions.addStream(session, socket);
    presence.socketOpened(userId, role);
    const untilExpiry = Math.max(0, session.expiresAt - Date.now());
    const notice = askToReconnect
      ? setTimeout(() => socket.send(RECONNECT_NOTICE), Math.min(Math.max(0, untilExpiry - reconnectLeadMs(session)), MAX_TIMER_MS))
      : null;
    const expiry = setTimeout(
      () => socket.close(TOKEN_EXPIRED_CLOSE_CODE, "access token expired; reconnect with a fresh one"),
      Math.min(untilExpiry, MAX_TIMER_MS),
    );
    socket.once("close", () => {
      if (notice) clearTimeout(notice);
      clearTimeout(expiry);
      untie();
      presence.socketClosed(userId, role);
    });
  }

  httpServer.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const isTrpc = path === "/trpc" || path === "/trpc/";
    if (!isTrpc && path !== POSITION_SOCKET_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    if (!isOriginAllowed(request, config.allowedOrigins, request.headers.host)) {
      logger.warn({ origin: request.headers.origin }, "refused WebSocket from a disallowed origin");
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
      return;
    }
    if (isTrpc) {
      wss.handleUpgrade(request, socket, head, (ws) => {
        logSocket(ws, "trpc", request);
        coalesceFrames(ws, socket);
        socketCallBudgets.watch(ws, request.socket.remoteAddress ?? "unknown");
        wss.emit("connection", ws, upgradeSummary(request));
        directCalls?.intercept(ws);
        keepAlive.watch(ws, socket);
      });
    } else {
      positionWss.handleUpgrade(request, socket, head, (ws) => {
        logSocket(ws, "position", request);
        positionSockets.accept(ws);
      });
    }
  });

  /** A debug line when a socket opens and when it closes, with its close code and lifetime. */
  function logSocket(ws: WebSocket, kind: "trpc" | "position", request: IncomingMessage): void {
    if (!logger.isLevelEnabled("debug")) return;
    const openedAt = performance.now();
    logger.debug({ kind, req: requestFields(request) }, "socket opened");
    const { remoteAddress } = request.socket;
    ws.once("close", (code: number) => {
      logger.debug({ kind, code, remoteAddress, ms: Math.round(performance.now() - openedAt) }, "socket closed");
    });
  }

  metrics.watch({
    services,
    database,
    bus: services.bus,
    openSockets: () => ({ trpc: wss.clients.size, position: positionWss.clients.size }),
    positionMessagesRefused: () => positionSockets.rateLimitedMessages,
    callBudgets: () => ({
      httpBatches: httpCallBudget.refusedBatches,
      httpCalls: httpCallBudget.refusedOverBudget,
      wsFrames: socketCallBudgets.refusedFrames,
      wsClosed: socketCallBudgets.closedSockets,
    }),
    socketsShed: () => socketsShed,
    directSocketCalls: () => directCalls?.directCalls ?? 0,
    draining: () => draining,
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.port, config.host ?? "0.0.0.0", () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;

  let shuttingDown: Promise<void> | null = null;
  async function shutdown(): Promise<void> {
    // Readiness turns red and every response asks its client to reconnect, so a balancer and
    // keep-alive pools move off this instance before the listener goes away. Liveness stays
    // green: the instance is busy draining, not broken.
    draining = true;
    if (config.drainDelayMs) await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
    // Stop accepting first, so sockets told to reconnect land on another instance.
    const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeIdleConnections();
    wssHandler.broadcastReconnectNotification();
    // 1012 "service restart": drivers' reporters reconnect, through the balancer, elsewhere.
    positionSockets.closeAll(1012, "server restarting");
    const deadline = Date.now() + (config.drainTimeoutMs ?? 5_000);
    while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const client of [...wss.clients, ...positionWss.clients]) client.terminate();
    wss.close();
    positionWss.close();
    positionSockets.stop();
    keepAlive.stop();
    const forceClose = setTimeout(() => httpServer.closeAllConnections(), Math.max(0, deadline - Date.now()));
    await closed;
    clearTimeout(forceClose);
    await stopServices();
    await database.close();
    if (scratchStorage) await rm(scratchStorage, { recursive: true, force: true });
  }

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    services,
    shutdown: () => (shuttingDown ??= shutdown()),
  };
}
