import { bigint, datetime, double, customType } from "drizzle-orm/mysql-core";
import { sql } from "drizzle-orm";

/**
 * One id convention: unsigned BIGINT, numbers in JS. Every foreign key uses `idRef`
 * so its type matches the primary key it points at exactly (MySQL refuses otherwise).
 */
export const idRef = (name: string) => bigint(name, { mode: "number", unsigned: true });

/** One timestamp convention: DATETIME(3) holding UTC, read as `Date`. */
export const utcTime = (name: string) => datetime(name, { mode: "date", fsp: 3 });

/** `created_at` defaulting to the database clock, millisecond precision. */
export const createdAt = () =>
  utcTime("created_at")
    .notNull()
    .default(sql`CURRENT_TIMESTAMP(3)`);

/** WGS84 degrees. */
export const coordinate = (name: string) => double(name);

/**
 * JSON stored as LONGTEXT. MariaDB's JSON type is LONGTEXT underneath and mysql2 hands it
 * back as a string there, so parsing happens here once for both MySQL and MariaDB.
 */
// T is the caller's declared shape of the stored JSON.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export const jsonText = <T>(name: string) =>
  customType<{ data: T; driverData: string }>({
    dataType: () => "longtext",
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (value) => (typeof value === "string" ? (JSON.parse(value) as T) : (value as T)),
  })(name);

/** Primary key: BIGINT UNSIGNED AUTO_INCREMENT (portable to MariaDB, unlike drizzle's `serial`). */
export const primaryId = () => bigint("id", { mode: "number", unsigned: true }).autoincrement().primaryKey();
