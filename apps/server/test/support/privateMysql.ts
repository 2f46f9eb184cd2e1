import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPrivateMysql as startMysql, type PrivateMysql as RunningMysql } from "../../src/privateMysql";

export interface PrivateMysql extends RunningMysql {
  /**
   * SIGSTOP: the server keeps its sockets open and answers nothing, like a hung host.
   * Resolves once every thread of it is stopped (each thread stops when it next runs).
   */
  freeze: () => Promise<void>;
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
  const pid = () => Number(readFileSync(join(dir, "mysql.pid"), "utf8").trim());
  const signal = (name: NodeJS.Signals) => process.kill(pid(), name);
  /** Whether each thread of the server is stopped (state `T` in `/proc/<pid>/task/<tid>/stat`). */
  const stopped = () => {
    const tasks = `/proc/${pid()}/task`;
    return readdirSync(tasks).every((tid) => /^\d+ \(.*\) T /.test(readFileSync(join(tasks, tid, "stat"), "utf8")));
  };
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
    freeze: async () => {
      signal("SIGSTOP");
      const deadline = Date.now() + 5_000;
      while (!stopped()) {
        if (Date.now() > deadline) throw new Error("mariadbd did not stop within 5 s of SIGSTOP");
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    thaw: () => signal("SIGCONT"),
    destroy: async () => {
      thawIfRunning();
      await mysql.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
