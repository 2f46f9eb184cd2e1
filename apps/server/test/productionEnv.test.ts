import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { demoLogin } from "@convoy/db";
import { TEST_JWT_SECRET } from "./support/config";
import { createTestDatabase } from "./support/harness";
import { spawnServer } from "./support/process";

const serverEntry = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const serverDir = fileURLToPath(new URL("..", import.meta.url));

// Stand-ins for the MySQL binaries, first on the PATH: each records that it was started.
const fakeBin = mkdtempSync(join(tmpdir(), "convoy-no-mysql-"));
const startedMarker = join(fakeBin, "started");
for (const name of ["mariadbd", "mysqld", "mariadb-install-db", "mysql_install_db"]) {
  writeFileSync(join(fakeBin, name), `#!/bin/sh\necho "$0" >> '${startedMarker}'\nexit 1\n`, { mode: 0o755 });
}
afterAll(() => rmSync(fakeBin, { recursive: true, force: true }));

describe("NODE_ENV=production without DATABASE_URL", () => {
  it("exits 1 with one line naming the DATABASE_URL it needs, and starts no database", async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${fakeBin}:${process.env.PATH ?? ""}`,
      NODE_ENV: "production",
      JWT_SECRET: TEST_JWT_SECRET,
      PORT: "0",
    };
    delete env.DATABASE_URL;
    // The real server process, as support/process.ts starts it.
    const child = spawn(process.execPath, ["--import", "tsx", serverEntry], { cwd: serverDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // A server that fell back to a database would keep running: stop it, and fail below.
    const fallback = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
    clearTimeout(fallback);

    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "convoy: Invalid environment: DATABASE_URL: must be set when NODE_ENV=production (production never starts a database of its own): " +
        "mysql://USER:PASSWORD@HOST:3306/DATABASE, a MySQL 8 or MariaDB database in which USER may create and alter tables (migrations run at start)\n",
    });
    expect(existsSync(startedMarker)).toBe(false);
  });
});

describe("NODE_ENV=production with a fresh database", () => {
  it("creates no demo accounts (their passwords are published), unless SEED_DEMO_ACCOUNTS=true", async () => {
    const database = await createTestDatabase();
    const dispatcher = demoLogin("dispatcher", 1);
    const signIn = (url: string) =>
      fetch(`${url}/trpc/auth.login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: dispatcher.email, password: dispatcher.password }),
      }).then((response) => response.status);
    try {
      const production = await spawnServer({ DATABASE_URL: database.url, NODE_ENV: "production" });
      try {
        expect(await signIn(production.url)).toBe(401);
      } finally {
        production.child.kill("SIGKILL");
        await production.exited;
      }
      const seeded = await spawnServer({ DATABASE_URL: database.url, NODE_ENV: "production", SEED_DEMO_ACCOUNTS: "true" });
      try {
        expect(await signIn(seeded.url)).toBe(200);
      } finally {
        seeded.child.kill("SIGKILL");
        await seeded.exited;
      }
    } finally {
      await database.drop();
    }
  });
});
