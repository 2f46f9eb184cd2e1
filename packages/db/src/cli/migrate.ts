import { DEFAULT_DATABASE_URL, ensureDatabase, migrateUnderLock } from "../index";

const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
await ensureDatabase(url);
// The lock the server takes at start, so this may run while instances start.
await migrateUnderLock(url);
console.log("migrations applied");
