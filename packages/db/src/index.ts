export * from "drizzle-orm/sql";
export { createDb, type Database, type DbOrTx, type Transaction, type DbHandle, type CreateDbOptions } from "./client";
export { migrate, ensureDatabase, dropDatabase } from "./migrate";
export { seed, demoLogins, DEMO_CITY, DEMO_PASSWORDS, type DemoLogin } from "./seed";
export { hashPassword, verifyPassword } from "./password";
export * from "./schema";
export type * from "./types";
/**
 * mysql2's own escaping for string literals, for the few statements written as one string
 * of literals (see @convoy/api's `sqlLiterals`); it is what mysql2 applies to `?` values.
 */
export { escape as escapeSqlString } from "mysql2";
