import { appendEvents, GroupCommit, type BatchWrite, type NewEvent } from "@convoy/api/server";
import { createDb, escapeSqlString, sql, type Database, type Transaction } from "@convoy/db";
import type { BenchContext } from "../context";
import { CpuMeter, findProcess, MachineCpuMeter } from "../proc";
import type { ErrorCounts } from "../protocol";
import { Histogram, percentile, type Summary } from "../stats";

/** One way of writing event-writing transactions, measured over all its rounds. */
export interface EventWritesMode {
  /** Transactions committed per second, over all rounds. */
  txPerS: number;
  /** The same, round by round. */
  roundTxPerS: number[];
  /** One transaction, BEGIN to COMMIT, ms. */
  txMs: Summary;
  committed: number;
  /** Rows the mode's log table holds afterwards: equal to `committed` if no event was lost. */
  rowsStored: number;
  /** CPU of the writers' process (drizzle, mysql2) per committed transaction, ms. */
  clientCpuMsPerTx: number;
  /** CPU of the MySQL server per committed transaction, ms; null when it does not run on this machine. */
  mysqlCpuMsPerTx: number | null;
  errors: ErrorCounts;
}

export interface EventWritesResult {
  writers: number;
  /** Measured seconds per round and mode; the modes alternate for `rounds` rounds each. */
  seconds: number;
  rounds: number;
  /** Ids from one sequence row, bumped with `UPDATE … LAST_INSERT_ID(last_id + n)`, locked until COMMIT. */
  singleRow: EventWritesMode;
  /** Convoy's `appendEvents`: AUTO_INCREMENT ids, one INSERT, one transaction per call. */
  autoIncrement: EventWritesMode;
  /**
   * Convoy's `GroupCommit` (as `chat.send` writes): the calls that arrive while a transaction
   * is open go together in the next, their rows in one INSERT and their events in one
   * `appendEvents`. Its "transactions" are calls: each committed call counts once.
   */
  grouped: EventWritesMode;
  /**
   * The median over rounds of `grouped` calls ÷ `singleRow` transactions per second, each
   * round's modes measured back to back: a burst of other load on the machine moves one
   * round, not the figure.
   */
  ratio: number;
  /** The same for `autoIncrement` ÷ `singleRow`: ids without the row lock, one transaction per call. */
  autoIncrementRatio: number;
  /** Calls per transaction in `grouped`, on average. */
  groupedCallsPerTx: number;
  /** CPU of everything else on the machine while the modes ran, % of one core (200 = both cores). */
  otherCpuPct: number;
  /** CPU the host took from this VM meanwhile, % of one core. */
  stealPct: number;
}

/** Tables of the single-row mode, beside the real `events` (whose copy holds its rows). */
const SEQUENCE_TABLE = "bench_single_row_sequence";
const SINGLE_ROW_EVENTS = "bench_single_row_events";
/** The state change each transaction makes before its event, as `chat.send` inserts its message. */
const WORK_TABLE = "bench_event_work";
const EVENT_TYPE = "bench.event";
/** The grouped mode's events, counted apart from the per-call mode's in the same table. */
const GROUPED_EVENT_TYPE = "bench.grouped";

/** The event each transaction appends: one row, like a chat message, addressed to nobody. */
const eventOf = (writer: number, n: number, type = EVENT_TYPE): NewEvent => ({ stream: "chat", type, payload: { writer, n, text: "on my way" } });

/** The state change both modes make first. */
async function work(tx: Transaction, writer: number, n: number): Promise<void> {
  await tx.execute(sql.raw(`INSERT INTO \`${WORK_TABLE}\` (\`writer\`, \`n\`) VALUES (${writer}, ${n})`));
}

/**
 * Appends events the way a single sequence row hands out ids: the UPDATE's row lock is held
 * until this transaction commits, so ids are gap-free and in commit order, and every other
 * writer waits for that commit.
 */
async function appendWithSequenceRow(tx: Transaction, batch: NewEvent[]): Promise<void> {
  await tx.execute(sql.raw(`UPDATE \`${SEQUENCE_TABLE}\` SET \`last_id\` = LAST_INSERT_ID(\`last_id\` + ${batch.length}) WHERE \`id\` = 1`));
  const [rows] = (await tx.execute(sql`SELECT LAST_INSERT_ID() AS lastId`)) as unknown as [{ lastId: number | string }[]];
  const firstId = Number(rows[0]!.lastId) - batch.length + 1;
  const values = batch.map(
    (event, i) =>
      `(${firstId + i},${escapeSqlString(event.stream)},${escapeSqlString(event.type)},${escapeSqlString(JSON.stringify(event.payload))})`,
  );
  await tx.execute(sql.raw(`INSERT INTO \`${SINGLE_ROW_EVENTS}\` (\`id\`,\`stream\`,\`type\`,\`payload\`) VALUES ${values.join(",")}`));
}

type Append = (tx: Transaction, batch: NewEvent[]) => Promise<unknown>;

/** One event-writing call of writer `writer`: its state change and its event, committed. */
type Call = (writer: number, n: number) => Promise<unknown>;

/** A call in a transaction of its own, with ids taken by `append`. */
const ownTransaction =
  (db: Database, append: Append): Call =>
  (writer, n) =>
    db.transaction(async (tx) => {
      await work(tx, writer, n);
      await append(tx, [eventOf(writer, n)]);
    });

/** The grouped mode's batch: every call's state change in one INSERT, then one event per call. */
const workBatch: BatchWrite<{ writer: number; n: number }, null> = async (tx, emit, calls) => {
  const rows = calls.map((call) => `(${call.writer},${call.n})`);
  await tx.execute(sql.raw(`INSERT INTO \`${WORK_TABLE}\` (\`writer\`, \`n\`) VALUES ${rows.join(",")}`));
  for (const call of calls) emit(eventOf(call.writer, call.n, GROUPED_EVENT_TYPE));
  return calls.map(() => null);
};

interface Tally {
  committed: number;
  elapsedMs: number;
  rounds: number[];
  clientCpuMs: number;
  mysqlCpuMs: number;
  latency: Histogram;
  errors: ErrorCounts;
}

/** `writers` callers each committing calls back to back for `seconds`. */
async function runRound(call: Call, writers: number, seconds: number, tally: Tally, mysqlPid: number | null): Promise<void> {
  const client = process.cpuUsage();
  const mysql = mysqlPid === null ? null : new CpuMeter([mysqlPid]);
  const startedAt = performance.now();
  const stopAt = startedAt + seconds * 1_000;
  const committedBefore = tally.committed;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let n = 0; performance.now() < stopAt; n++) {
        const began = performance.now();
        try {
          await call(writer, n);
          tally.committed++;
          tally.latency.record(performance.now() - began);
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code ?? "unknown";
          tally.errors[code] = (tally.errors[code] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - startedAt;
  const clientCpu = process.cpuUsage(client);
  tally.clientCpuMs += (clientCpu.user + clientCpu.system) / 1_000;
  tally.mysqlCpuMs += (mysql?.cpuSeconds() ?? 0) * 1_000;
  tally.elapsedMs += elapsedMs;
  tally.rounds.push(((tally.committed - committedBefore) * 1_000) / elapsedMs);
}

async function countRows(db: Database, table: string, type?: string): Promise<number> {
  const where = type === undefined ? "" : ` WHERE \`type\` = ${escapeSqlString(type)}`;
  const [rows] = (await db.$client.query(`SELECT COUNT(*) AS n FROM \`${table}\`${where}`)) as unknown as [{ n: number | string }[]];
  return Number(rows[0]!.n);
}

function summarize(tally: Tally, rowsStored: number, mysqlLocal: boolean): EventWritesMode {
  return {
    txPerS: (tally.committed * 1_000) / tally.elapsedMs,
    roundTxPerS: tally.rounds,
    txMs: tally.latency.summary(),
    committed: tally.committed,
    rowsStored,
    clientCpuMsPerTx: tally.clientCpuMs / tally.committed,
    mysqlCpuMsPerTx: mysqlLocal ? tally.mysqlCpuMs / tally.committed : null,
    errors: tally.errors,
  };
}

/**
 * Event-writing transactions per second from `writers` concurrent connections, each
 * transaction a state change and one event, with event ids taken two ways in the same run:
 * from a single sequence row locked until commit, and through `appendEvents` (AUTO_INCREMENT).
 * The modes alternate in short rounds so that a change in the machine's speed (CPU steal,
 * other load) falls on both. No server process: this measures MySQL and the write path.
 */
export async function runEventWrites(
  context: BenchContext,
  settings: { writers: number; seconds: number; rounds: number },
): Promise<EventWritesResult> {
  const handle = createDb(context.database.url, { connectionLimit: settings.writers });
  const { db } = handle;
  try {
    await db.$client.query(`CREATE TABLE \`${SEQUENCE_TABLE}\` (\`id\` bigint unsigned PRIMARY KEY, \`last_id\` bigint unsigned NOT NULL)`);
    await db.$client.query(`INSERT INTO \`${SEQUENCE_TABLE}\` VALUES (1, 0)`);
    await db.$client.query(`CREATE TABLE \`${SINGLE_ROW_EVENTS}\` LIKE \`events\``);
    await db.$client.query(`ALTER TABLE \`${SINGLE_ROW_EVENTS}\` MODIFY \`id\` bigint unsigned NOT NULL`);
    await db.$client.query(
      `CREATE TABLE \`${WORK_TABLE}\` (\`id\` bigint unsigned AUTO_INCREMENT PRIMARY KEY, \`writer\` int NOT NULL, \`n\` int NOT NULL, \`at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`,
    );
    const tally = (): Tally => ({ committed: 0, elapsedMs: 0, rounds: [], clientCpuMs: 0, mysqlCpuMs: 0, latency: new Histogram(0.01), errors: {} });
    const singleRow = tally();
    const autoIncrement = tally();
    const grouped = tally();
    // Events are published by nobody here: this measures MySQL and the write path.
    const group = new GroupCommit({ db, pump: { publish: () => undefined }, commitHooks: [] }, workBatch);
    const modes: [Call, Tally][] = [
      [ownTransaction(db, appendWithSequenceRow), singleRow],
      [ownTransaction(db, appendEvents), autoIncrement],
      [(writer, n) => group.submit({ writer, n }), grouped],
    ];
    // MySQL's CPU is counted when it runs here (a MySQL elsewhere, e.g. in Docker's VM, is not seen).
    const mysqlPid = findProcess(["mariadbd", "mysqld"]);
    // Unmeasured: opens the connections and warms the tables.
    for (const [call] of modes) await runRound(call, settings.writers, 1, tally(), mysqlPid);
    const singleRowBefore = await countRows(db, SINGLE_ROW_EVENTS);
    const eventsBefore = await countRows(db, "events", EVENT_TYPE);
    const groupedBefore = await countRows(db, "events", GROUPED_EVENT_TYPE);
    const batchesBefore = group.stats();
    const machine = new MachineCpuMeter();
    for (let round = 0; round < settings.rounds; round++) {
      for (const [call, modeTally] of modes) await runRound(call, settings.writers, settings.seconds, modeTally, mysqlPid);
    }
    const ours = [singleRow, autoIncrement, grouped].reduce((sum, mode) => sum + mode.clientCpuMs + mode.mysqlCpuMs, 0);
    const elapsedMs = singleRow.elapsedMs + autoIncrement.elapsedMs + grouped.elapsedMs;
    const otherCpuPct = Math.max(0, machine.percent() - (100 * ours) / elapsedMs);
    const stealPct = machine.stealPercent();
    const batches = group.stats();
    const single = summarize(singleRow, (await countRows(db, SINGLE_ROW_EVENTS)) - singleRowBefore, mysqlPid !== null);
    const auto = summarize(autoIncrement, (await countRows(db, "events", EVENT_TYPE)) - eventsBefore, mysqlPid !== null);
    const groupedMode = summarize(grouped, (await countRows(db, "events", GROUPED_EVENT_TYPE)) - groupedBefore, mysqlPid !== null);
    const ratioOf = (mode: EventWritesMode) =>
      percentile(
        mode.roundTxPerS.map((txPerS, round) => txPerS / single.roundTxPerS[round]!),
        50,
      );
    return {
      writers: settings.writers,
      seconds: settings.seconds,
      rounds: settings.rounds,
      singleRow: single,
      autoIncrement: auto,
      grouped: groupedMode,
      ratio: ratioOf(groupedMode),
      autoIncrementRatio: ratioOf(auto),
      groupedCallsPerTx: (batches.items - batchesBefore.items) / Math.max(1, batches.batches - batchesBefore.batches),
      otherCpuPct,
      stealPct,
    };
  } finally {
    for (const table of [SEQUENCE_TABLE, SINGLE_ROW_EVENTS, WORK_TABLE]) await db.$client.query(`DROP TABLE IF EXISTS \`${table}\``);
    await handle.close();
  }
}
