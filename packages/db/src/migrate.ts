import { fileURLToPath } from "node:url";
import { migrate as drizzleMigrate } from "drizzle-orm/mysql2/migrator";
import { createConnection } from "mysql2/promise";
import type { Database } from "./client";

export interface MigrateOptions {
  /**
   * Folder of the committed drizzle-kit migrations. A bundle that compiles this package in
   * (apps/server's dist/main.js) ships a copy of them and passes its folder.
   * @default this package's drizzle/
   */
  migrationsFolder?: string;
}

/** Applies the committed drizzle-kit migrations that have not run yet. */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<void> {
  await drizzleMigrate(db, { migrationsFolder: options.migrationsFolder ?? fileURLToPath(new URL("../drizzle", import.meta.url)) });
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
