/**
 * Running statements written as one string of literals (see `sqlLiterals.ts`). A raw
 * statement gets none of Drizzle's column mapping: name the columns with `AS` in the
 * statement, and expect DATETIME as text (`utcDatetimeOf`) and BIGINT as a number, or a
 * string past 2^53.
 */
import { type DbOrTx, deferStatement, sql } from "@convoy/db";
import type { Tx } from "./transaction";

/** What MySQL answers a write with; `affectedRows` counts the rows an UPDATE matched (mysql2 asks for found rows). */
export interface WriteResult {
  /** The first AUTO_INCREMENT id an INSERT took; the rows of one INSERT get consecutive ids. */
  insertId: number;
  affectedRows: number;
}

/** The rows a SELECT written as literals returns. */
export async function selectRows<Row>(db: DbOrTx, statement: string): Promise<Row[]> {
  const [rows] = (await db.execute(sql.raw(statement))) as unknown as [Row[]];
  return rows;
}

/** Runs an INSERT, UPDATE or DELETE written as literals. */
export async function writeRows(db: DbOrTx, statement: string): Promise<WriteResult> {
  const [result] = (await db.execute(sql.raw(statement))) as unknown as [{ insertId: number | string; affectedRows: number }];
  return { insertId: Number(result.insertId), affectedRows: result.affectedRows };
}

/**
 * `writeRows` sent with the transaction's next statement or its COMMIT, in one round trip
 * (`deferStatement`). If it fails, the statement that carried it fails and the transaction
 * can only roll back, so a caller that does not need the answer need not await it (its
 * rejection is handled here). Await it only once that next statement has been sent.
 */
export function deferWrite(tx: Tx, statement: string): Promise<WriteResult> {
  const result = deferStatement(tx, statement).then((answer) => ({ insertId: Number(answer.insertId), affectedRows: answer.affectedRows }));
  result.catch(() => undefined);
  return result;
}

/** A DATETIME as a raw statement returns it ('YYYY-MM-DD HH:MM:SS.fff', UTC by the schema's convention). */
export function utcDatetimeOf(text: string): Date {
  return new Date(`${text.replace(" ", "T")}Z`);
}
