import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createConnection, type Connection, type RowDataPacket } from "mysql2/promise";
import { demoLogins, ensureDatabase, migrateUnderLock, migrationLockName, MigrationLockTimeoutError } from "@convoy/db";
import { createTestDatabase } from "./support/harness";
import { spawnServer, type ServerProcess } from "./support/process";
import { waitFor } from "./support/recordingClients";

const journal = JSON.parse(readFileSync(fileURLToPath(new URL("../../../packages/db/drizzle/meta/_journal.json", import.meta.url)), "utf8")) as {
  entries: { tag: string; when: number }[];
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function freshDatabase(): Promise<string> {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  return database.url;
}

async function connect(url: string): Promise<Connection> {
  const connection = await createConnection({ uri: url });
  cleanups.push(() => connection.end());
  return connection;
}

async function rows<T>(connection: Connection, statement: string, values: unknown[] = []): Promise<T[]> {
  const [result] = await connection.query<RowDataPacket[]>(statement, values);
  return result as T[];
}

const databaseName = (url: string) => new URL(url).pathname.slice(1);

describe("migrations under a lock", () => {
  it("three servers started at once on a fresh database all become ready, having applied each migration once and seeded once", async () => {
    const url = await freshDatabase();
    const servers: ServerProcess[] = [];
    cleanups.push(async () => {
      for (const server of servers) if (server.child.exitCode === null) server.child.kill("SIGKILL");
    });
    // Spawned in the same turn: each creates the database, migrates and seeds as it starts.
    const started = await Promise.allSettled([0, 1, 2].map(() => spawnServer({ DATABASE_URL: url })));
    for (const result of started) if (result.status === "fulfilled") servers.push(result.value);
    expect(started.map((result) => (result.status === "rejected" ? String(result.reason) : "started"))).toEqual(["started", "started", "started"]);

    for (const server of servers) expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const connection = await connect(url);
    const applied = await rows<{ created_at: number; n: number }>(
      connection,
      "SELECT created_at, COUNT(*) AS n FROM __drizzle_migrations GROUP BY created_at ORDER BY created_at",
    );
    expect(applied.map((row) => [row.created_at, row.n])).toEqual(journal.entries.map((entry) => [entry.when, 1]));
    const users = await rows<{ email: string }>(connection, "SELECT email FROM users ORDER BY id");
    expect(users.map((user) => user.email).sort()).toEqual(
      demoLogins()
        .map((login) => login.email)
        .sort(),
    );

    // No server logged an error (level 50 and up) or failed its start.
    for (const server of servers) {
      const errors = server
        .output()
        .split("\n")
        .filter((line) => line.startsWith("convoy:") || (line.startsWith("{") && (JSON.parse(line) as { level: number }).level >= 50));
      expect(errors).toEqual([]);
    }
  });

  it("waits while another connection holds the lock, and migrates once it is released", async () => {
    const url = await freshDatabase();
    await ensureDatabase(url);
    const holder = await connect(url);
    const lock = migrationLockName(databaseName(url));
    expect(await rows(holder, "SELECT GET_LOCK(?, 0) AS acquired", [lock])).toEqual([{ acquired: 1 }]);

    const migrating = migrateUnderLock(url, { lockTimeoutSeconds: 30 });
    migrating.catch(() => undefined);
    // The migrator's connection is waiting in GET_LOCK, having done nothing else.
    await waitFor(async () => {
      const waiting = await rows(holder, "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'SELECT GET_LOCK%'", [
        databaseName(url),
      ]);
      return waiting.length === 1;
    }, "the migrator to wait for the lock");
    const tables = await rows(holder, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", [databaseName(url)]);
    expect(tables).toEqual([]);

    await rows(holder, "SELECT RELEASE_LOCK(?)", [lock]);
    await migrating;
    const applied = await rows<{ n: number }>(holder, "SELECT COUNT(*) AS n FROM __drizzle_migrations");
    expect(applied[0]!.n).toBe(journal.entries.length);
    // Released at the end: another migrator gets it at once, and finds nothing to do.
    await migrateUnderLock(url, { lockTimeoutSeconds: 0 });
    expect((await rows<{ n: number }>(holder, "SELECT COUNT(*) AS n FROM __drizzle_migrations"))[0]!.n).toBe(journal.entries.length);
  });

  it("gives up with MigrationLockTimeoutError when the lock stays taken past lockTimeoutSeconds", async () => {
    const url = await freshDatabase();
    await ensureDatabase(url);
    const holder = await connect(url);
    await rows(holder, "SELECT GET_LOCK(?, 0)", [migrationLockName(databaseName(url))]);
    await expect(migrateUnderLock(url, { lockTimeoutSeconds: 1 })).rejects.toBeInstanceOf(MigrationLockTimeoutError);
  });
});
