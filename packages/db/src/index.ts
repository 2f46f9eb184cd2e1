export * from "drizzle-orm/sql";
export { createDb, type Database, type DbOrTx, type Transaction, type DbHandle, type CreateDbOptions } from "./client";
export { migrate, ensureDatabase, dropDatabase } from "./migrate";
export { seed, demoLogins, DEMO_CITY, DEMO_PASSWORDS, type DemoLogin } from "./seed";
export { hashPassword, verifyPassword } from "./password";
export * from "./schema";
export type * from "./types";
