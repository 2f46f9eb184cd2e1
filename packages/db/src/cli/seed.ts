import { createDb, seed } from "../index";

const url = process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/convoy";
const handle = createDb(url, { connectionLimit: 1 });
console.log((await seed(handle.db)) ? "seeded demo accounts" : "database already has users; not seeding");
await handle.close();
