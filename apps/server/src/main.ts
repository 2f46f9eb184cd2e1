import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DEFAULT_DATABASE_URL, DEMO_ACCOUNT_COUNTS, demoLogin, SIMULATED_DRIVER_COUNT, simulatedDriverLogin } from "@convoy/db";
import { allowedOrigins, loadEnv, pushOptions, seedsDemoAccounts, storageOptions } from "./env";
import { prepareDatabase, StartupError } from "./database";
import { createLogger } from "./logger";
import { isPortOpen } from "./ports";
import { startPrivateMysql } from "./privateMysql";
import { createBus } from "./bus";
import { startConvoyServer } from "./server";

const privateMysqlDir = fileURLToPath(new URL("../../../.data", import.meta.url));
/** Proof-of-delivery images without STORAGE_DIR or STORAGE_URL: beside the private MariaDB, ignored by git. */
const defaultStorageDir = fileURLToPath(new URL("../../../.data/storage", import.meta.url));
/** Built (dist/main.js), the migrations sit beside the server (see build.mjs); from source, @convoy/db's own are used. */
const builtMigrations = fileURLToPath(new URL("./drizzle", import.meta.url));

/**
 * With no DATABASE_URL, in development only (env.ts refuses production without one): the
 * default one if a MySQL answers there, else a private MariaDB under .data/.
 */
async function localDatabaseUrl(): Promise<string> {
  const url = new URL(DEFAULT_DATABASE_URL);
  if (await isPortOpen(url.hostname, Number(url.port || 3306))) return DEFAULT_DATABASE_URL;
  const mysql = await startPrivateMysql({ dir: privateMysqlDir, persistent: true });
  if (!mysql) {
    throw new StartupError(`No MySQL at ${url.host} and no mariadbd/mysqld installed. Run "docker compose up -d" (MySQL 8 + Redis 7) and try again.`);
  }
  url.port = String(mysql.port);
  return url.toString();
}

async function main() {
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const databaseUrl = env.DATABASE_URL ?? (await localDatabaseUrl());
  const { handle, seeded } = await prepareDatabase(databaseUrl, {
    seed: seedsDemoAccounts(env),
    migrationsFolder: existsSync(builtMigrations) ? builtMigrations : undefined,
    timeouts: {
      connectTimeoutMs: env.MYSQL_CONNECT_TIMEOUT_MS,
      acquireTimeoutMs: env.MYSQL_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: env.MYSQL_STATEMENT_TIMEOUT_MS,
    },
  });
  const { bus, rateLimitRedis } = createBus(env.REDIS_URL, logger);
  const push = pushOptions(env);
  if (!push.vapid) logger.warn("web push is off: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (and VAPID_SUBJECT) to send notifications");
  const server = await startConvoyServer({
    database: handle,
    jwtSecret: env.JWT_SECRET,
    port: env.PORT,
    host: env.HOST,
    allowedOrigins: allowedOrigins(env),
    logger,
    bus,
    rateLimitRedis,
    staticDir: env.STATIC_DIR,
    drainDelayMs: env.SHUTDOWN_DELAY_MS,
    healthCheckTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
    metricsToken: env.METRICS_TOKEN,
    presenceGraceMs: env.PRESENCE_GRACE_MS,
    presenceHeartbeatMs: env.PRESENCE_HEARTBEAT_MS,
    presenceHeartbeatTtlMs: env.PRESENCE_HEARTBEAT_TTL_MS,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    sessions: { sessionTtlSeconds: env.SESSION_TTL_SECONDS, recheckMs: env.SESSION_RECHECK_MS },
    apiKeys: {
      callsPerSecond: env.API_KEY_CALLS_PER_SECOND,
      burst: env.API_KEY_BURST,
      lastUsedWriteMs: env.API_KEY_LAST_USED_WRITE_MS,
      recheckMs: env.SESSION_RECHECK_MS,
    },
    callBudgets: {
      callsPerSecond: env.CALLS_PER_SECOND,
      burst: env.CALL_BURST,
      refusalsBeforeClose: env.REFUSALS_BEFORE_CLOSE,
      maxBatchCalls: env.MAX_BATCH_CALLS,
    },
    socketBacklog: { thresholdBytes: env.SOCKET_UNREAD_LIMIT_BYTES },
    durableBacklogEvents: env.DURABLE_BACKLOG_EVENTS,
    storage: storageOptions(env, defaultStorageDir),
    proofs: { maxFileBytes: env.PROOF_MAX_BYTES, urlTtlSeconds: env.PROOF_URL_TTL_SECONDS },
    trips: {
      routingUrl: env.ROUTING_URL ?? null,
      routingTimeoutMs: env.ROUTING_TIMEOUT_MS,
      detourFactor: env.ETA_DETOUR_FACTOR,
      citySpeedKmh: env.ETA_CITY_SPEED_KMH,
      searchRadiusKm: env.RIDE_SEARCH_RADIUS_KM,
      waveSizes: env.RIDE_WAVE_SIZES,
      offerTimeoutSeconds: env.RIDE_OFFER_WINDOW_SECONDS,
      maxWaves: env.RIDE_MAX_WAVES,
    },
    trackingLinks: {
      defaultTtlMs: env.TRACKING_LINK_TTL_MINUTES * 60_000,
      maxTtlMs: env.TRACKING_LINK_MAX_TTL_MINUTES * 60_000,
      afterTripMs: env.TRACKING_LINK_AFTER_TRIP_MINUTES * 60_000,
      maxLivePerTrip: env.TRACKING_LINKS_PER_TRIP,
      maxViewersPerLink: env.TRACKING_LINK_VIEWERS_PER_LINK,
      maxViewersPerAddress: env.TRACKING_LINK_VIEWERS_PER_ADDRESS,
    },
    places: { dwellSeconds: env.PLACE_DWELL_SECONDS },
    geocoder: env.GEOCODER_URL ? { url: env.GEOCODER_URL, kind: env.GEOCODER_KIND ?? null, timeoutMs: env.GEOCODER_TIMEOUT_MS } : null,
    rateLimits: {
      geocodePoints: env.GEOCODE_SEARCHES_PER_10S,
      geocodeWindowSeconds: 10,
      mutationPoints: env.MUTATIONS_PER_10S,
      mutationWindowSeconds: 10,
      chatPoints: env.CHAT_MESSAGES_PER_10S,
      chatWindowSeconds: 10,
      trackingLinkPoints: env.TRACKING_LINKS_PER_HOUR,
      trackingLinkWindowSeconds: 3_600,
      trackingLinkOpenPoints: env.TRACKING_LINK_OPENS_PER_MINUTE,
      trackingLinkOpenWindowSeconds: 60,
    },
    push,
  });
  const base = `http://localhost:${server.port}`;
  logger.info(
    {
      port: server.port,
      database: new URL(databaseUrl).host,
      storage: server.services.proofs.storage.description,
      seeded,
      redis: Boolean(env.REDIS_URL),
      routing: Boolean(env.ROUTING_URL),
      geocoder: Boolean(env.GEOCODER_URL),
      push: Boolean(push.vapid),
    },
    "convoy server listening",
  );

  const lines = [
    "",
    `Convoy API   ${base}/trpc   (health: ${base}/healthz)`,
    ...(env.STATIC_DIR ? [`Dispatcher   ${base}/dispatcher/`, `Driver       ${base}/driver/`, `Rider        ${base}/rider/`] : []),
    "Demo logins (demo passwords, for local use only):",
    ...(["dispatcher", "driver", "rider"] as const).map((role) => {
      const [first, last] = [demoLogin(role), demoLogin(role, DEMO_ACCOUNT_COUNTS[role])];
      const emails = first.email === last.email ? first.email : `${first.email} … ${last.email}`;
      return `  ${(role === "dispatcher" ? role : `${role}s`).padEnd(12)}${emails} / ${first.password}`;
    }),
    `  ${"simulated".padEnd(12)}${simulatedDriverLogin(1).email} … ${simulatedDriverLogin(SIMULATED_DRIVER_COUNT).email}: the simulator's drivers, not for signing in`,
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");

  const stop = (signal: string) => {
    logger.info({ signal }, "shutting down: draining connections");
    server
      .shutdown()
      .then(() => {
        logger.info("shutdown complete");
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      });
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

// A failed start is one stderr line starting "convoy: " and exit code 1; scripts/dev.mjs
// recognises the line, since under `tsx watch` the process stays.
main().catch((error: unknown) => {
  if (error instanceof StartupError || (error instanceof Error && error.message.startsWith("Invalid environment"))) {
    process.stderr.write(`convoy: ${error.message}\n`);
  } else {
    process.stderr.write(`convoy: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
