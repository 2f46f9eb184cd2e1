import { z } from "zod";
import type { StorageOptions } from "@convoy/api/server";
import type { PushOptions } from "@convoy/api/server";
import { DEFAULT_CALL_BUDGETS } from "./budgets/settings";

/** The VAPID contact outside production when VAPID_SUBJECT is unset. */
const DEV_VAPID_SUBJECT = "mailto:push@convoy.invalid";

/** Only for local development; `NODE_ENV=production` refuses to start with it. */
const DEV_JWT_SECRET = "convoy-dev-secret-change-me-in-production-0000";

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    /**
     * Unset: @convoy/db's DEFAULT_DATABASE_URL if a MySQL answers there, else a private MariaDB
     * under .data/. Required when NODE_ENV=production, which never starts a database of its own.
     */
    DATABASE_URL: z
      .string()
      .refine((url) => url.startsWith("mysql://"), "DATABASE_URL must start with mysql://")
      .optional(),
    REDIS_URL: z
      .string()
      .refine((url) => url.startsWith("redis://") || url.startsWith("rediss://"), "REDIS_URL must start with redis://")
      .optional(),
    /**
     * Create the demo accounts (README, "Run it": published passwords) in an empty database.
     * Default: yes, except under NODE_ENV=production, where a new database starts with none.
     */
    SEED_DEMO_ACCOUNTS: z.enum(["true", "false"]).optional(),
    JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters").default(DEV_JWT_SECRET),
    /** Comma-separated origins allowed to open a WebSocket. */
    ALLOWED_ORIGINS: z
      .string()
      .default("http://localhost:3000,http://127.0.0.1:3000,http://localhost:5173,http://localhost:5174,http://localhost:5175"),
    /** Directory holding the built apps (dispatcher/, driver/, rider/) to serve; unset in dev. */
    STATIC_DIR: z.string().optional(),
    /** Per-user budget of mutations per 10 s. */
    MUTATIONS_PER_10S: z.coerce.number().int().positive().default(120),
    /** Per-user budget of chat messages per 10 s. */
    CHAT_MESSAGES_PER_10S: z.coerce.number().int().positive().default(10),
    /** Call budget of each tRPC WebSocket and each HTTP client (token, else address): calls per second kept up, and at once. */
    CALLS_PER_SECOND: z.coerce.number().int().positive().default(DEFAULT_CALL_BUDGETS.callsPerSecond),
    CALL_BURST: z.coerce.number().int().positive().default(DEFAULT_CALL_BUDGETS.burst),
    /** Refusals within 10 s after which a WebSocket over its budget is closed with 1008. */
    REFUSALS_BEFORE_CLOSE: z.coerce.number().int().positive().default(DEFAULT_CALL_BUDGETS.refusalsBeforeClose),
    /** Most calls one HTTP batch may carry. */
    MAX_BATCH_CALLS: z.coerce.number().int().positive().default(DEFAULT_CALL_BUDGETS.maxBatchCalls),
    /** Presence: grace after a user's last socket closes, heartbeat period and TTL between instances (ms). */
    PRESENCE_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
    PRESENCE_HEARTBEAT_MS: z.coerce.number().int().min(100).default(5_000),
    PRESENCE_HEARTBEAT_TTL_MS: z.coerce.number().int().min(300).default(15_000),
    /** Access token lifetime (s); clients refresh before it ends. At most 15 min. */
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(900).default(900),
    /** A session's absolute lifetime from sign-in (s); after it the user signs in again. */
    SESSION_TTL_SECONDS: z.coerce.number().int().min(60).default(2_592_000),
    /** How often each instance re-reads the sessions it holds from MySQL (ms): bounds revocation when Redis is down. */
    SESSION_RECHECK_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
    /** On SIGTERM, keep serving this long with /readyz answering 503 before closing the listener (ms). */
    SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
    /** Longest wait for a new MySQL connection (TCP connect and handshake), in ms. */
    MYSQL_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
    /** Longest wait for a pooled MySQL connection to come free, in ms; 0 waits for ever. */
    MYSQL_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(3_000),
    /** Longest wait for MySQL to answer one statement before its connection is closed, in ms; 0 waits for ever. */
    MYSQL_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
    /** Longest /readyz waits for MySQL and for the bus before reporting that one "timeout", in ms (under 1 s). */
    HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().min(50).max(900).default(500),
    /** Unread bytes a WebSocket reader may leave before its streams hold back (conflate or wait). */
    SOCKET_UNREAD_LIMIT_BYTES: z.coerce.number().int().min(4_096).default(65_536),
    /** Events a durable subscription may have waiting for a slow reader before its socket is closed (1013) to resume. */
    DURABLE_BACKLOG_EVENTS: z.coerce.number().int().min(100).default(5_000),
    /** When set, /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open to whoever reaches the port. */
    METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
    /**
     * Base URL of an OSRM-compatible routing API (its `route` service) for route lines and
     * ETAs; unset, every ETA is an estimate (straight line × ETA_DETOUR_FACTOR at ETA_CITY_SPEED_KMH).
     */
    ROUTING_URL: z
      .string()
      .refine((url) => /^https?:\/\/[^/]+/.test(url), "ROUTING_URL must be an http:// or https:// URL, e.g. http://127.0.0.1:5000")
      .optional(),
    /** Longest wait for one routing answer before the estimate is used instead, in ms. */
    ROUTING_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(1_000),
    /** Estimated ETAs: road km per straight-line km, and the speed assumed, km/h. */
    ETA_DETOUR_FACTOR: z.coerce.number().min(1).max(3).default(1.3),
    ETA_CITY_SPEED_KMH: z.coerce.number().positive().max(150).default(30),
    /** Ride dispatch: farthest straight-line km from the pickup a driver is offered a ride. */
    RIDE_SEARCH_RADIUS_KM: z.coerce.number().positive().max(200).default(20),
    /** Ride dispatch: drivers offered in each wave, nearest by ETA first, comma-separated; the last repeats. */
    RIDE_WAVE_SIZES: z
      .string()
      .regex(/^\s*[1-9]\d*(\s*,\s*[1-9]\d*)*\s*$/, "RIDE_WAVE_SIZES must be positive whole numbers separated by commas, e.g. 1,2,3")
      .default("1,2,3")
      .transform((sizes) => sizes.split(",").map(Number)),
    /** Ride dispatch: how long each wave's offer stays open before the next wave, in s. */
    RIDE_OFFER_WINDOW_SECONDS: z.coerce.number().int().min(1).max(300).default(12),
    /** Ride dispatch: waves before a ride ends with no driver. */
    RIDE_MAX_WAVES: z.coerce.number().int().min(1).max(100).default(6),
    /** Tracking links: lifetime of a link made without one, and the longest one may be given (minutes). */
    TRACKING_LINK_TTL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(1_440),
    TRACKING_LINK_MAX_TTL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(10_080),
    /** Tracking links: how long after its trip ended a link still opens to say how it ended (minutes). */
    TRACKING_LINK_AFTER_TRIP_MINUTES: z.coerce.number().int().min(0).max(10_080).default(60),
    /** Tracking links a user may create per hour. */
    TRACKING_LINKS_PER_HOUR: z.coerce.number().int().positive().default(30),
    /** Public tracking pages one remote address may open (or try to) per minute. */
    TRACKING_LINK_OPENS_PER_MINUTE: z.coerce.number().int().positive().default(60),
    /** Live links one trip may have at once. */
    TRACKING_LINKS_PER_TRIP: z.coerce.number().int().positive().max(1_000).default(10),
    /** Open public viewers per link and per remote address, on each instance. */
    TRACKING_LINK_VIEWERS_PER_LINK: z.coerce.number().int().positive().default(20),
    TRACKING_LINK_VIEWERS_PER_ADDRESS: z.coerce.number().int().positive().default(10),
    /** Seconds inside a place after which a driver dwells, for places without their own. */
    PLACE_DWELL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
    /**
     * Search endpoint of a Nominatim- or Photon-compatible geocoder for address search, e.g.
     * https://nominatim.example.org/search or https://photon.example.org/api; unset, the apps
     * offer picking on the map only.
     */
    GEOCODER_URL: z
      .string()
      .refine((url) => /^https?:\/\/[^/]+/.test(url), "GEOCODER_URL must be an http:// or https:// URL, e.g. https://photon.komoot.io/api")
      .optional(),
    /** Which API GEOCODER_URL speaks; unset, a path ending in /api is Photon and anything else Nominatim. */
    GEOCODER_KIND: z.enum(["nominatim", "photon"], { error: "GEOCODER_KIND must be nominatim or photon" }).optional(),
    /** Longest wait for one geocoder answer, in ms. */
    GEOCODER_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3_000),
    /** Per-user budget of address searches per 10 s. */
    GEOCODE_SEARCHES_PER_10S: z.coerce.number().int().positive().default(20),
    /** Proof-of-delivery images on this machine's disk, here; ignored when STORAGE_URL is set. Unset: .data/storage in the repo. */
    STORAGE_DIR: z.string().min(1).optional(),
    /** An S3-compatible bucket for proof-of-delivery images, path style: http://127.0.0.1:9000/convoy-proofs. */
    STORAGE_URL: z
      .string()
      .refine(
        (url) => /^https?:\/\/[^/]+\/[^/]+/.test(url),
        "STORAGE_URL must be an http:// or https:// URL naming the bucket, e.g. http://127.0.0.1:9000/convoy-proofs",
      )
      .optional(),
    STORAGE_ACCESS_KEY_ID: z.string().min(1).optional(),
    STORAGE_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** The region S3 signatures name. */
    STORAGE_REGION: z.string().min(1).default("us-east-1"),
    /** Largest proof image accepted, in bytes (at most 10 MiB). */
    PROOF_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1_024)
      .max(10 * 1024 * 1024)
      .default(10 * 1024 * 1024),
    /** How long a signed link to a proof image works, in s. */
    PROOF_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(3_600).default(300),
    /**
     * Web Push's VAPID key pair, base64url (public: 65-byte P-256 point; private: 32 bytes).
     * Both or neither; neither turns push off. `pnpm dev` makes a pair under .data/.
     */
    VAPID_PUBLIC_KEY: z
      .string()
      .regex(/^B[A-Za-z0-9_-]{86}$/, "VAPID_PUBLIC_KEY must be an uncompressed P-256 public key in base64url (87 characters)")
      .optional(),
    VAPID_PRIVATE_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, "VAPID_PRIVATE_KEY must be a 32-byte P-256 private key in base64url (43 characters)")
      .optional(),
    /** Who runs this sender, for the push services: a mailto: or https: URL. Required with keys in production. */
    VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:[^@\s]+@[^@\s]+|https:\/\/[^\s]+)$/, "VAPID_SUBJECT must be a mailto: address or an https:// URL, e.g. mailto:ops@example.com")
      .optional(),
    /** Web Push: requests to push services at once, and the longest one may take (ms). */
    PUSH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    PUSH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    /** Web Push: how long a push service keeps a message for a device that is offline (s). */
    PUSH_TTL_SECONDS: z.coerce.number().int().min(0).max(2_419_200).default(3_600),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .refine((env) => env.NODE_ENV !== "production" || env.JWT_SECRET !== DEV_JWT_SECRET, {
    error: "JWT_SECRET must be set in production",
    path: ["JWT_SECRET"],
  })
  .refine((env) => env.STORAGE_URL === undefined || (env.STORAGE_ACCESS_KEY_ID !== undefined && env.STORAGE_SECRET_ACCESS_KEY !== undefined), {
    error: "STORAGE_URL needs STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY",
    path: ["STORAGE_URL"],
  })
  .refine((env) => env.NODE_ENV !== "production" || env.DATABASE_URL !== undefined, {
    error:
      "must be set when NODE_ENV=production (production never starts a database of its own): " +
      "mysql://USER:PASSWORD@HOST:3306/DATABASE, a MySQL 8 or MariaDB database in which USER may create and alter tables (migrations run at start)",
    path: ["DATABASE_URL"],
  })
  .refine((env) => (env.VAPID_PUBLIC_KEY === undefined) === (env.VAPID_PRIVATE_KEY === undefined), {
    error: "set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (one pair: npx web-push generate-vapid-keys), or neither to turn push off",
    path: ["VAPID_PRIVATE_KEY"],
  })
  .refine((env) => env.NODE_ENV !== "production" || env.VAPID_PUBLIC_KEY === undefined || env.VAPID_SUBJECT !== undefined, {
    error: "must be set with the VAPID keys when NODE_ENV=production: a mailto: address or https:// URL push services can reach you at",
    path: ["VAPID_SUBJECT"],
  });

export type Env = z.infer<typeof envSchema>;

/** Reads and validates the environment once; the only place `process.env` is read. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`Invalid environment: ${problems}`);
  }
  return parsed.data;
}

/** Whether an empty database gets the demo accounts: `SEED_DEMO_ACCOUNTS`, else all but production. */
export function seedsDemoAccounts(env: Env): boolean {
  return env.SEED_DEMO_ACCOUNTS === undefined ? env.NODE_ENV !== "production" : env.SEED_DEMO_ACCOUNTS === "true";
}

/** Where proof-of-delivery images go: the S3 bucket of `STORAGE_URL`, else `STORAGE_DIR`, else `defaultDir`. */
export function storageOptions(env: Env, defaultDir: string): StorageOptions {
  if (env.STORAGE_URL === undefined) return { kind: "localDisk", dir: env.STORAGE_DIR ?? defaultDir };
  return {
    kind: "s3",
    url: env.STORAGE_URL,
    accessKeyId: env.STORAGE_ACCESS_KEY_ID ?? "",
    secretAccessKey: env.STORAGE_SECRET_ACCESS_KEY ?? "",
    region: env.STORAGE_REGION,
  };
}

/**
 * Web Push settings: off (`vapid: null`) without keys. Endpoints on 127.0.0.1/localhost over
 * http:// (a local test push server) are accepted everywhere but production.
 */
export function pushOptions(env: Env): PushOptions {
  const vapid =
    env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY
      ? { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: env.VAPID_SUBJECT ?? DEV_VAPID_SUBJECT }
      : null;
  return {
    vapid,
    concurrency: env.PUSH_CONCURRENCY,
    timeoutMs: env.PUSH_TIMEOUT_MS,
    ttlSeconds: env.PUSH_TTL_SECONDS,
    allowLoopbackHttp: env.NODE_ENV !== "production",
  };
}

export function allowedOrigins(env: Env): Set<string> {
  return new Set(
    env.ALLOWED_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
  );
}
