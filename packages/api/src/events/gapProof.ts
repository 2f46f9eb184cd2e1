/**
 * How the pump learns that a missing event id is settled: committed, or never to be written.
 *
 * An id is missing while the transaction that took it is open, and for good once that
 * transaction rolled back or its INSERT failed (AUTO_INCREMENT never hands an id out twice).
 * Every id below a committed id H was handed out before H, so once every transaction that
 * was open when H was seen has ended, a fresh read of the ids below H is final. Both waits
 * here establish that with locks MySQL holds for those transactions, not with timing:
 *
 * - `committedIdsBetween` waits for the transactions whose rows in the range are inserted
 *   but not committed (a locking read queues behind each row's implicit lock) and blocks
 *   nobody else, so a slow writer costs only its own events' delay.
 * - `waitForEventWriters` also covers a transaction that has taken ids but not yet inserted
 *   the rows (a multi-row INSERT takes all its ids at its first row): an INSERT holds a
 *   metadata lock on `events` from before it takes ids until its transaction ends, and
 *   `LOCK TABLES … WRITE` is granted only when no transaction holds one. Writers and readers
 *   that arrive meanwhile queue behind it, so it is used only when ids are still missing
 *   after the first wait, i.e. after a rollback. (`READ` would let readers through, but
 *   MariaDB grants new INSERTs past a waiting `READ`, which under steady writes may then
 *   never find the table free.) Needs the LOCK TABLES privilege.
 *
 * `information_schema.INNODB_TRX` would make nobody wait, but it needs the PROCESS privilege
 * and is a copy InnoDB refreshes only after 0.1 s without a reader: under steady polling it
 * can omit a transaction that holds an id, and a skip taken on it would lose that event.
 *
 * Both run on a connection of their own, closed afterwards, since they change its session
 * settings; each wait is bounded by `waitSeconds` (MySQL's minimum is 1) and then rejects
 * with MySQL's lock wait timeout, for the caller to try again later.
 */
import { getTableName } from "drizzle-orm";
import { type Database, events } from "@convoy/db";

type PoolConnection = Awaited<ReturnType<Database["$client"]["getConnection"]>>;

async function onScratchConnection<T>(db: Database, work: (connection: PoolConnection) => Promise<T>): Promise<T> {
  const connection = await db.$client.getConnection();
  try {
    return await work(connection);
  } finally {
    connection.destroy();
  }
}

const EVENTS = getTableName(events);

/**
 * The committed ids in `afterId < id < beforeId`, after waiting for every transaction that
 * has inserted a row in that range and not yet ended. Rejects when one is still open after
 * `waitSeconds`.
 */
export function committedIdsBetween(db: Database, afterId: number, beforeId: number, waitSeconds: number): Promise<number[]> {
  return onScratchConnection(db, async (connection) => {
    // READ COMMITTED: record locks only, so the read holds back no INSERT into the range.
    await connection.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    await connection.query("SET SESSION innodb_lock_wait_timeout = ?", [waitSeconds]);
    const [rows] = (await connection.query(`SELECT \`id\` FROM \`${EVENTS}\` WHERE \`id\` > ? AND \`id\` < ? ORDER BY \`id\` FOR UPDATE`, [
      afterId,
      beforeId,
    ])) as unknown as [{ id: number | string }[]];
    return rows.map((row) => Number(row.id));
  });
}

/**
 * Returns once no transaction that had begun an INSERT into `events` before this call is
 * still open. Writers and readers of `events` wait while it waits; rejects after
 * `waitSeconds`.
 */
export function waitForEventWriters(db: Database, waitSeconds: number): Promise<void> {
  return onScratchConnection(db, async (connection) => {
    await connection.query("SET SESSION lock_wait_timeout = ?", [waitSeconds]);
    await connection.query(`LOCK TABLES \`${EVENTS}\` WRITE`);
    await connection.query("UNLOCK TABLES");
  });
}

/**
 * Refuses a server whose AUTO_INCREMENT steps by more than 1 (`auto_increment_increment`,
 * set for multi-primary replication): ids would then leave gaps that are not rollbacks, and
 * `payload_back` distances would be wrong.
 */
export async function checkEventIdIncrement(db: Database): Promise<void> {
  const [rows] = (await db.$client.query("SELECT @@auto_increment_increment AS step")) as unknown as [{ step: number | string }[]];
  const step = Number(rows[0]?.step);
  if (step !== 1) throw new Error(`Convoy's event log needs auto_increment_increment = 1; this MySQL has ${step}`);
}
