import { createDb, DEFAULT_DATABASE_URL, seed } from "../index";

const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const handle = createDb(url, { connectionLimit: 1 });
console.log((await seed(handle.db)) ? "seeded demo accounts" : "database already has users; not seeding");
await handle.close();
