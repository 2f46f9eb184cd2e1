// Values by name, not `export *`: the server's bundle (apps/server/build.mjs) would turn a
// star re-export of an external module into an object of getters, and every `eq`, `and` and
// `sql` imported from here would then be a getter call and a keyed read of drizzle's module.
export {
  and,
  asc,
  between,
  count,
  desc,
  eq,
  exists,
  gt,
  gte,
  inArray,
  isNull,
  like,
  lt,
  lte,
  max,
  ne,
  notExists,
  notInArray,
  or,
  sql,
  SQL,
} from "drizzle-orm/sql";
export type * from "drizzle-orm/sql";
export { createDb, poolUse, type Database, type DbOrTx, type Transaction, type DbHandle, type CreateDbOptions, type PoolUse } from "./client";
export { ACQUIRE_TIMEOUT_CODE, STATEMENT_TIMEOUT_CODE } from "./poolTimeouts";
export { deferStatement } from "./statementBatching";
export {
  migrate,
  migrateUnderLock,
  migrationLockName,
  MigrationLockTimeoutError,
  ensureDatabase,
  dropDatabase,
  type MigrateUnderLockOptions,
} from "./migrate";
export { seed } from "./seed";
export {
  demoLogin,
  demoLogins,
  simulatedDriverLogin,
  simulatedDriverLogins,
  DEMO_ACCOUNT_COUNTS,
  DEMO_CITY,
  DEMO_PASSWORDS,
  SIMULATED_DRIVER_COUNT,
  type DemoLogin,
} from "./demoAccounts";
export { DEFAULT_DATABASE_URL, serverUrl } from "./databaseUrl";
export { hashPassword, verifyPassword } from "./password";
export * from "./schema";
export type * from "./types";
/**
 * mysql2's own escaping for string literals, for the few statements written as one string
 * of literals (see @convoy/api's `sqlLiterals`); it is what mysql2 applies to `?` values.
 */
export { escape as escapeSqlString } from "mysql2";
