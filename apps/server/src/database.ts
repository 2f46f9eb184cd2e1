import { createDb, ensureDatabase, migrate, seed, type CreateDbOptions, type DbHandle } from "@convoy/db";

/** A start-up problem with one line that tells the operator what to do. */
export class StartupError extends Error {}

function describeTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "3306"}${parsed.pathname}`;
}

function codeOf(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = candidate?.code ?? candidate?.cause?.code;
  return typeof code === "string" ? code : undefined;
}

/** Bounds on every wait for MySQL; see `CreateDbOptions` for units and defaults. */
export type DatabaseTimeouts = Pick<CreateDbOptions, "connectTimeoutMs" | "acquireTimeoutMs" | "statementTimeoutMs">;

export interface PrepareDatabaseOptions {
  /** Seed demo accounts into an empty database. */
  seed: boolean;
  /** For the serving pool; migrations run on a pool of their own with no statement timeout. */
  timeouts?: DatabaseTimeouts;
}

/**
 * Makes the database ready: creates it if this user may, applies pending migrations and
 * seeds demo accounts into an empty database. Failures become a `StartupError` whose
 * message is the one line to print. Returns the serving pool.
 */
export async function prepareDatabase(url: string, options: PrepareDatabaseOptions): Promise<{ handle: DbHandle; seeded: boolean }> {
  const target = describeTarget(url);
  try {
    await ensureDatabase(url);
  } catch (error) {
    const code = codeOf(error);
    if (code === "ECONNREFUSED" || code === "ETIMEDOUT" || code === "ENOTFOUND" || code === "EHOSTUNREACH") {
      throw new StartupError(
        `MySQL is not reachable at ${target}. Start it (e.g. "docker compose up -d mysql", or "sudo service mariadb start") or set DATABASE_URL.`,
      );
    }
    if (code === "ER_ACCESS_DENIED_ERROR" || code === "ER_DBACCESS_DENIED_ERROR") {
      throw new StartupError(`MySQL refused the credentials in DATABASE_URL for ${target}. Fix DATABASE_URL.`);
    }
    // No CREATE privilege is fine if the database already exists; migrate will tell.
    if (code !== "ER_DBACCESS_DENIED_ERROR" && code !== "ER_SPECIFIC_ACCESS_DENIED_ERROR") throw error;
  }
  // A migration may rebuild a large table: it gets all the time it needs.
  const setup = createDb(url, { connectionLimit: 4, connectTimeoutMs: options.timeouts?.connectTimeoutMs, acquireTimeoutMs: 0, statementTimeoutMs: 0 });
  let seeded: boolean;
  try {
    await migrate(setup.db);
    seeded = options.seed ? await seed(setup.db) : false;
  } finally {
    await setup.close();
  }
  return { handle: createDb(url, { connectionLimit: 20, ...options.timeouts }), seeded };
}
