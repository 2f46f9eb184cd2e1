/**
 * SQL literals for the hot write paths: every point every driver reports, and the event
 * rows of an offer sent to hundreds of drivers. Building those multi-row INSERTs through
 * the query builder allocates a parameter object per value, a tenth or more of the server's
 * CPU on these paths, so these statements are written as one string instead.
 */
import { getTableName, type Column, type Table } from "drizzle-orm";
import { escapeSqlString } from "@convoy/db";

/** A number as a SQL literal; null or anything not finite (never produced by screening) is NULL. */
export const sqlNumber = (value: number | null): string => (value !== null && Number.isFinite(value) ? String(value) : "NULL");

/** The last second `sqlUtcDatetime` formatted; a flush's points nearly all fall in a few. */
const lastSecond = { epochSecond: Number.NaN, text: "" };

/**
 * Epoch ms as a DATETIME(3) literal in UTC, the schema's timestamp convention. Formatting a
 * date is the costly part of a location row, so the "YYYY-MM-DD HH:MM:SS" of the previous
 * call's second is reused and only the milliseconds are appended.
 */
export function sqlUtcDatetime(epochMs: number): string {
  const wholeMs = Math.floor(epochMs);
  const epochSecond = Math.floor(wholeMs / 1000);
  if (epochSecond !== lastSecond.epochSecond) {
    lastSecond.epochSecond = epochSecond;
    lastSecond.text = new Date(epochSecond * 1000).toISOString().slice(0, 19).replace("T", " ");
  }
  const ms = wholeMs - epochSecond * 1000;
  return `'${lastSecond.text}.${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}'`;
}

/** A quoted, escaped string literal: the same escaping mysql2 applies to `?` values. */
export const sqlString = (value: string): string => escapeSqlString(value);

/** The characters of JSON text that a string literal must escape. */
const JSON_ESCAPED = /[\\']/;
const JSON_ESCAPES = /[\\']/g;

/**
 * JSON text, as `JSON.stringify` writes it, as a string literal. Such text holds no raw
 * control character (they are written as `\n`, `\u0000`, …), so only `\` and `'` need
 * escaping, where `sqlString` also escapes every `"`: an event's payload is mostly quotes,
 * and each escape was a slice and a concatenation.
 */
export function sqlJson(json: string): string {
  return JSON_ESCAPED.test(json) ? `'${json.replace(JSON_ESCAPES, "\\$&")}'` : `'${json}'`;
}

/** A boolean as MySQL stores it. */
export const sqlBoolean = (value: boolean): string => (value ? "1" : "0");

/** `INSERT INTO \`table\` (\`col\`,…) VALUES `, named from the schema; rows of literals follow. */
export function sqlInsertHead(table: Table, columns: readonly Column[]): string {
  return `INSERT INTO \`${getTableName(table)}\` (${columns.map((column) => `\`${column.name}\``).join(",")}) VALUES `;
}
