import { defineConfig } from "drizzle-kit";
import { DEFAULT_DATABASE_URL } from "./src/databaseUrl";

export default defineConfig({
  dialect: "mysql",
  schema: "./src/schema/index.ts",
  out: "./drizzle",
  dbCredentials: { url: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL },
});
