import { createDb, DEFAULT_DATABASE_URL, ensureDatabase, migrate } from "../index";

const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
await ensureDatabase(url);
const handle = createDb(url, { connectionLimit: 1 });
await migrate(handle.db);
await handle.close();
console.log("migrations applied");
