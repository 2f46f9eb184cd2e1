import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Socket } from "node:net";
import { freePort } from "./process";

export interface PrivateMysql {
  /** Server URL without a database, e.g. mysql://root@127.0.0.1:41234/ */
  baseUrl: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  destroy: () => Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => (socket.destroy(), resolve(false)));
    socket.connect(port, "127.0.0.1");
  });
}

/**
 * A MariaDB of the test's own in a temp directory on a free port, so a "MySQL restart"
 * test never touches the shared server on 3306.
 */
export async function startPrivateMysql(): Promise<PrivateMysql> {
  const dir = mkdtempSync(join(tmpdir(), "convoy-mysql-"));
  const dataDir = join(dir, "data");
  const user = process.env.USER ?? "root";
  const init = spawnSync(
    "mariadb-install-db",
    ["--no-defaults", `--datadir=${dataDir}`, "--auth-root-authentication-method=normal", "--skip-test-db", `--user=${user}`],
    { encoding: "utf8" },
  );
  if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr}`);
  const port = await freePort();
  let child: ChildProcess | null = null;

  const start = async () => {
    child = spawn(
      "/usr/sbin/mariadbd",
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        `--socket=${join(dir, "mysql.sock")}`,
        `--pid-file=${join(dir, "mysql.pid")}`,
        `--user=${user}`,
        "--innodb-buffer-pool-size=64M",
        "--skip-log-bin",
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 300; i++) {
      if (await portOpen(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("private MariaDB did not start");
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGTERM");
    await exited;
  };
  await start();
  return {
    baseUrl: `mysql://root@127.0.0.1:${port}/`,
    start,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
