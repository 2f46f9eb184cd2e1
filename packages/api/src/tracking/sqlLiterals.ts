/**
 * SQL literals for the tracking write paths, which run for every point every driver reports.
 * Their values are numbers and timestamps only, so statements are written as one string
 * instead of through the query builder, which allocates a parameter object per value.
 */

/** A number as a SQL literal; null or anything not finite (never produced by screening) is NULL. */
export const sqlNumber = (value: number | null): string => (value !== null && Number.isFinite(value) ? String(value) : "NULL");

/** Epoch ms as a DATETIME(3) literal in UTC, the schema's timestamp convention. */
export const sqlUtcDatetime = (epochMs: number): string => `'${new Date(epochMs).toISOString().slice(0, 23).replace("T", " ")}'`;
