import { createDb, ensureDatabase, migrate } from "../index";

const url = process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/convoy";
await ensureDatabase(url);
const handle = createDb(url, { connectionLimit: 1 });
await migrate(handle.db);
await handle.close();
console.log("migrations applied");
