import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/mysql2";
import { migrate as drizzleMigrate } from "drizzle-orm/mysql2/migrator";
import { createConnection, type RowDataPacket } from "mysql2/promise";
import type { MySql2Database } from "drizzle-orm/mysql2";
import type { Database } from "./client";
import * as schema from "./schema";

/** Drizzle over any mysql2 handle (the lock's single connection, or a pool). */
type Schemaful = MySql2Database<typeof schema>;

export interface MigrateOptions {
  /**
   * Folder of the committed drizzle-kit migrations. A bundle that compiles this package in
   * (apps/server's dist/main.js) ships a copy of them and passes its folder.
   * @default this package's drizzle/
   */
  migrationsFolder?: string;
}

const defaultMigrationsFolder = () => fileURLToPath(new URL("../drizzle", import.meta.url));

/** Applies the committed drizzle-kit migrations that have not run yet. */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<void> {
  await drizzleMigrate(db, { migrationsFolder: options.migrationsFolder ?? defaultMigrationsFolder() });
}

export interface MigrateUnderLockOptions extends MigrateOptions {
  /** Longest wait for another process to finish migrating, in seconds. @default 600 */
  lockTimeoutSeconds?: number;
  /** Longest wait for the connection's TCP connect and handshake, in ms. @default 3_000 */
  connectTimeoutMs?: number;
  /** More work that must not run twice at once (seeding), done on the locked connection after the migrations. */
  whileLocked?: (db: Schemaful) => Promise<void>;
}

/** Raised when another process held the migration lock for longer than `lockTimeoutSeconds`. */
export class MigrationLockTimeoutError extends Error {}

/**
 * The named lock for migrating one database. Lock names are server-wide and at most 64
 * characters, so a long database name is hashed.
 */
export function migrationLockName(databaseName: string): string {
  const name = `convoy_migrate:${databaseName}`;
  return name.length <= 64 ? name : `convoy_migrate:${createHash("sha256").update(databaseName).digest("hex").slice(0, 48)}`;
}

/**
 * Applies pending migrations (and then `whileLocked`) while holding MySQL's named lock for
 * this database, so processes starting together migrate one at a time: the first applies
 * each migration, the others wait, then find nothing left to do.
 *
 * `GET_LOCK` belongs to the connection that took it, so everything runs on one dedicated
 * connection (no pool), which holds the lock from the first statement to `RELEASE_LOCK`; if
 * the process dies, MySQL releases the lock with the connection. No statement timeout: a
 * migration may rebuild a large table.
 */
export async function migrateUnderLock(url: string, options: MigrateUnderLockOptions = {}): Promise<void> {
  const databaseName = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  const lock = migrationLockName(databaseName);
  const timeoutSeconds = options.lockTimeoutSeconds ?? 600;
  // The pool's settings (see `createDb`), so the seed writes dates as the server reads them.
  const connection = await createConnection({
    uri: url,
    timezone: "Z",
    connectTimeout: options.connectTimeoutMs ?? 3_000,
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
  try {
    const [rows] = await connection.query<RowDataPacket[]>("SELECT GET_LOCK(?, ?) AS acquired", [lock, timeoutSeconds]);
    // 1: taken; 0: timed out; NULL: an error (the server was killed, say).
    if (rows[0]?.acquired !== 1) {
      throw new MigrationLockTimeoutError(
        `Another process has held the migration lock "${lock}" for more than ${timeoutSeconds} s; is a migration stuck?`,
      );
    }
    try {
      const db = drizzle(connection, { schema, mode: "default" });
      await drizzleMigrate(db, { migrationsFolder: options.migrationsFolder ?? defaultMigrationsFolder() });
      await options.whileLocked?.(db);
    } finally {
      await connection.query("SELECT RELEASE_LOCK(?)", [lock]).catch(() => undefined);
    }
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/** Runs `statement(name)` on the server of `url`, connected without selecting its database. */
async function onServerOf(url: string, statement: (name: string) => string): Promise<void> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`Database name "${name}" must be letters, digits and _`);
  parsed.pathname = "/";
  const connection = await createConnection({ uri: parsed.toString(), connectTimeout: 5_000 });
  try {
    await connection.query(statement(name));
  } finally {
    await connection.end();
  }
}

/**
 * Creates the database named in `url` if it does not exist. Needs CREATE privilege;
 * a user without it gets MySQL's own error, which the caller reports.
 */
export function ensureDatabase(url: string): Promise<void> {
  return onServerOf(url, (name) => `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
}

/** Drops the database named in `url`. For test harnesses only. */
export function dropDatabase(url: string): Promise<void> {
  return onServerOf(url, (name) => `DROP DATABASE IF EXISTS \`${name}\``);
}
