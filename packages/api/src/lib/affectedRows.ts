/** Rows an UPDATE matched; mysql2 reports found rows, so a no-op SET still counts. */
export function affectedRows(result: readonly [{ affectedRows: number }, ...unknown[]]): number {
  return result[0].affectedRows;
}
