import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPrivateMysql as startMysql, type PrivateMysql as RunningMysql } from "../../src/privateMysql";

export interface PrivateMysql extends RunningMysql {
  /** SIGSTOP: the server keeps its sockets open and answers nothing, like a hung host. */
  freeze: () => void;
  /** SIGCONT after `freeze`. */
  thaw: () => void;
  /** Stops the server (thawing it first) and deletes its directory; safe in any state. */
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
  // mysqld writes its pid file on every start.
  const signal = (name: NodeJS.Signals) => process.kill(Number(readFileSync(join(dir, "mysql.pid"), "utf8").trim()), name);
  const thawIfRunning = () => {
    try {
      signal("SIGCONT");
    } catch {
      // Not running: nothing to thaw.
    }
  };
  return {
    ...mysql,
    // A stopped process acts on SIGTERM only once continued.
    stop: async () => {
      thawIfRunning();
      await mysql.stop();
    },
    freeze: () => signal("SIGSTOP"),
    thaw: () => signal("SIGCONT"),
    destroy: async () => {
      thawIfRunning();
      await mysql.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
