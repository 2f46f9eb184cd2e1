import type { EventEmitter } from "node:events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb, deferStatement, ensureDatabase, sql, type DbHandle } from "@convoy/db";
import { createTestDatabase } from "./support/harness";

/**
 * A transaction's statements as MySQL receives them: each entry is one query sent, that is
 * one round trip. One pooled connection, so every statement of the test goes through it.
 */
let handle: DbHandle;
let drop: () => Promise<void>;
const sent: string[] = [];

const TABLE = "batching_probe";

interface CoreConnection extends EventEmitter {
  query: (options: string | { sql: string }, ...rest: unknown[]) => unknown;
}

beforeAll(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  await ensureDatabase(database.url);
  handle = createDb(database.url, { connectionLimit: 1 });
  const core = (handle.pool as unknown as { pool: EventEmitter }).pool;
  core.on("connection", (connection: CoreConnection) => {
    const query = connection.query.bind(connection);
    connection.query = (options, ...rest) => {
      sent.push(typeof options === "string" ? options : options.sql);
      return query(options, ...rest);
    };
  });
  await handle.db.execute(sql.raw(`CREATE TABLE \`${TABLE}\` (\`id\` int AUTO_INCREMENT PRIMARY KEY, \`k\` varchar(40) NOT NULL UNIQUE)`));
});

afterAll(async () => {
  await handle.close();
  await drop();
});

beforeEach(async () => {
  await handle.db.execute(sql.raw(`DELETE FROM \`${TABLE}\``));
  sent.length = 0;
});

const insert = (key: string) => `INSERT INTO \`${TABLE}\` (\`k\`) VALUES ('${key}')`;

async function storedKeys(): Promise<string[]> {
  const [rows] = (await handle.db.execute(sql.raw(`SELECT \`k\` FROM \`${TABLE}\` ORDER BY \`id\``))) as unknown as [{ k: string }[]];
  return rows.map((row) => row.k);
}

describe("a transaction's statements", () => {
  it("go as BEGIN with the first statement, and a deferred write with the COMMIT: two round trips", async () => {
    let deferred: Promise<{ insertId: number | string; affectedRows: number }> | undefined;
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql.raw(insert("first")));
      deferred = deferStatement(tx, insert("second"));
    });

    expect(sent).toEqual([`BEGIN;\n${insert("first")}`, `${insert("second")};\ncommit`]);
    expect((await deferred!).affectedRows).toBe(1);
    expect(await storedKeys()).toEqual(["first", "second"]);
  });

  it("roll back whole when a deferred write fails with the COMMIT, which is then not run", async () => {
    await handle.db.execute(sql.raw(insert("taken")));
    sent.length = 0;
    const transaction = handle.db.transaction(async (tx) => {
      await tx.execute(sql.raw(insert("kept-only-if-committed")));
      void deferStatement(tx, insert("taken"));
    });

    await expect(transaction).rejects.toMatchObject({ cause: { code: "ER_DUP_ENTRY" } });
    expect(sent).toEqual([`BEGIN;\n${insert("kept-only-if-committed")}`, `${insert("taken")};\ncommit`, "rollback"]);
    expect(await storedKeys()).toEqual(["taken"]);
  });

  it("can only roll back once a statement that carried a failing deferred write failed, even if the caller goes on", async () => {
    await handle.db.execute(sql.raw(insert("taken")));
    const transaction = handle.db.transaction(async (tx) => {
      await tx.execute(sql.raw(insert("before")));
      void deferStatement(tx, insert("taken"));
      await expect(tx.execute(sql.raw("SELECT 1"))).rejects.toMatchObject({ cause: { code: "ER_DUP_ENTRY" } });
      // MySQL would take this statement, and the COMMIT after it: the connection refuses both.
      await tx.execute(sql.raw(insert("after")));
    });

    await expect(transaction).rejects.toMatchObject({ cause: { code: "ER_DUP_ENTRY" } });
    expect(await storedKeys()).toEqual(["taken"]);
  });

  it("fill in a carrying statement's values without taking a `?` in a deferred literal for one", async () => {
    const [rows] = (await handle.db.transaction(async (tx) => {
      void deferStatement(tx, insert("why?"));
      return tx.execute(sql`SELECT ${"a?"} AS q, ${7} AS n`);
    })) as unknown as [{ q: string; n: number }[]];

    expect(rows).toEqual([{ q: "a?", n: 7 }]);
    expect(await storedKeys()).toEqual(["why?"]);
  });

  it("send nothing at all for a transaction refused before its first statement", async () => {
    await expect(
      handle.db.transaction(async () => {
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");

    expect(sent).toEqual([]);
  });

  it("send a deferred write alone after the turn when nothing carries it, so awaiting it at once still works", async () => {
    const result = await handle.db.transaction(async (tx) => deferStatement(tx, insert("alone")));

    expect(result.affectedRows).toBe(1);
    expect(sent).toEqual([`BEGIN;\n${insert("alone")};\nDO 0`, "commit"]);
    expect(await storedKeys()).toEqual(["alone"]);
  });
});
