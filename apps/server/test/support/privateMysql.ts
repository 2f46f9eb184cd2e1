import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPrivateMysql as startMysql, type PrivateMysql as RunningMysql } from "../../src/privateMysql";

export interface PrivateMysql extends RunningMysql {
  /** Stops the server and deletes its directory. */
  destroy: () => Promise<void>;
}

/**
 * The server's private MySQL, started in a temp directory on a free port as this process's
 * child, so a "MySQL restart" test never touches the shared server on 3306.
 */
export async function startPrivateMysql(): Promise<PrivateMysql> {
  const dir = mkdtempSync(join(tmpdir(), "convoy-mysql-"));
  const mysql = await startMysql({ dir });
  if (!mysql) throw new Error("the fault tests need mariadbd or mysqld installed");
  return {
    ...mysql,
    destroy: async () => {
      await mysql.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
