import { fileURLToPath } from "node:url";
import { demoLogins } from "@convoy/db";
import { allowedOrigins, loadEnv } from "./env";
import { prepareDatabase, StartupError } from "./database";
import { createLogger } from "./logger";
import { isPortOpen, startPrivateMysql } from "./localMysql";
import { createBus } from "./bus";
import { startConvoyServer } from "./server";

const projectRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Picks the database: DATABASE_URL if set, else the default, else a private instance. */
async function resolveDatabaseUrl(configuredUrl: string, explicitlySet: boolean): Promise<string> {
  if (explicitlySet) return configuredUrl;
  const parsed = new URL(configuredUrl);
  if (await isPortOpen(parsed.hostname, Number(parsed.port || 3306))) return configuredUrl;
  const privateUrl = await startPrivateMysql(projectRoot);
  if (privateUrl) return privateUrl;
  throw new StartupError(
    `No MySQL at ${parsed.host} and no mariadbd/mysqld installed. Run "docker compose up -d" (MySQL 8 + Redis 7) and try again.`,
  );
}

async function main() {
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const databaseUrl = await resolveDatabaseUrl(env.DATABASE_URL, process.env.DATABASE_URL !== undefined);
  const { handle, seeded } = await prepareDatabase(databaseUrl, { seed: true });
  const { bus, rateLimitRedis } = createBus(env.REDIS_URL, logger);
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
    presenceGraceMs: env.PRESENCE_GRACE_MS,
    presenceHeartbeatMs: env.PRESENCE_HEARTBEAT_MS,
    presenceHeartbeatTtlMs: env.PRESENCE_HEARTBEAT_TTL_MS,
    rateLimits: {
      mutationPoints: env.MUTATIONS_PER_10S,
      mutationWindowSeconds: 10,
      chatPoints: env.CHAT_MESSAGES_PER_10S,
      chatWindowSeconds: 10,
    },
  });
  const base = `http://localhost:${server.port}`;
  logger.info({ port: server.port, database: new URL(databaseUrl).host, seeded, redis: Boolean(env.REDIS_URL) }, "convoy server listening");

  const logins = demoLogins();
  const lines = [
    "",
    `Convoy API   ${base}/trpc   (health: ${base}/healthz)`,
    ...(env.STATIC_DIR
      ? [`Dispatcher   ${base}/dispatcher/`, `Driver       ${base}/driver/`, `Rider        ${base}/rider/`]
      : []),
    "Demo logins (demo passwords, for local use only):",
    `  dispatcher  ${logins[0]!.email} / ${logins[0]!.password}`,
    `  drivers     driver1@convoy.test … driver20@convoy.test / ${logins[1]!.password}`,
    `  riders      rider1@convoy.test … rider5@convoy.test / ${logins[21]!.password}`,
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

main().catch((error: unknown) => {
  if (error instanceof StartupError || (error instanceof Error && error.message.startsWith("Invalid environment"))) {
    process.stderr.write(`convoy: ${error.message}\n`);
  } else {
    process.stderr.write(`convoy: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
