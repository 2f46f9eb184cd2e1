import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { freePort, isPortOpen } from "./ports";

const SERVER_BINARIES = ["mariadbd", "mysqld", "/usr/sbin/mariadbd", "/usr/sbin/mysqld"];
const INSTALLERS = ["mariadb-install-db", "mysql_install_db"];
const START_TIMEOUT_MS = 30_000;

export interface PrivateMysqlOptions {
  /** Directory for the data directory (`mysql/`), socket, pid, port and log (`mysql.log`) files; created if missing. */
  dir: string;
  /**
   * Keep mysqld running after this process exits, and reuse the one a previous run left
   * listening (its port is kept in `mysql.port`). For the dev server's `.data/`.
   * @default false: mysqld is this process's child and a fresh one starts on a free port.
   */
  persistent?: boolean;
}

export interface PrivateMysql {
  /** Server URL without a database, e.g. mysql://root@127.0.0.1:41234/ */
  baseUrl: string;
  port: number;
  /** Starts mysqld again on the same port and data after `stop()`; resolves once it accepts connections. */
  start: () => Promise<void>;
  /** Stops mysqld (SIGTERM) and resolves once its port is closed. */
  stop: () => Promise<void>;
}

function which(binary: string): string | null {
  if (binary.startsWith("/")) return existsSync(binary) ? binary : null;
  const found = spawnSync("sh", ["-c", `command -v ${binary}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : null;
}

const firstInstalled = (binaries: string[]) => binaries.map(which).find((path): path is string => path !== null);

/** Creates the system tables in `dataDir` with a passwordless root, unless they exist. */
function initialiseDataDir(binary: string, dataDir: string, user: string): void {
  if (existsSync(join(dataDir, "mysql"))) return;
  const installer = firstInstalled(INSTALLERS);
  const init = installer
    ? spawnSync(
        installer,
        ["--no-defaults", `--datadir=${dataDir}`, "--auth-root-authentication-method=normal", "--skip-test-db", `--user=${user}`],
        { encoding: "utf8" },
      )
    : spawnSync(binary, ["--no-defaults", "--initialize-insecure", `--datadir=${dataDir}`], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`could not initialise a private MySQL in ${dataDir}: ${init.stderr}`);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await condition()) return true;
    await new Promise((done) => setTimeout(done, 100));
  }
  return false;
}

/**
 * A MariaDB/MySQL of our own under `options.dir`, listening on 127.0.0.1 only, with no
 * system config and no root privileges needed: the dev server's fallback when no MySQL
 * answers, and the fault tests' database they may stop and restart without touching the
 * shared one. Resolves once it accepts connections; null when no server binary is installed.
 */
export async function startPrivateMysql(options: PrivateMysqlOptions): Promise<PrivateMysql | null> {
  const binary = firstInstalled(SERVER_BINARIES);
  if (!binary) return null;
  const dir = resolve(options.dir);
  const dataDir = join(dir, "mysql");
  const portFile = join(dir, "mysql.port");
  const pidFile = join(dir, "mysql.pid");
  const logFile = join(dir, "mysql.log");
  const user = userInfo().username;
  mkdirSync(dir, { recursive: true });

  const previousPort = options.persistent && existsSync(portFile) ? Number(readFileSync(portFile, "utf8").trim()) : 0;
  const reused = previousPort > 0 && (await isPortOpen("127.0.0.1", previousPort));
  const port = reused ? previousPort : await freePort();
  let child: ChildProcess | null = null;

  const start = async () => {
    initialiseDataDir(binary, dataDir, user);
    const log = openSync(logFile, "a");
    const started = spawn(
      binary,
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        `--socket=${join(dir, "mysql.sock")}`,
        `--pid-file=${pidFile}`,
        `--user=${user}`,
        "--innodb-buffer-pool-size=64M",
        "--skip-log-bin",
      ],
      { detached: options.persistent ?? false, stdio: ["ignore", log, log] },
    );
    closeSync(log);
    if (options.persistent) started.unref();
    child = started;
    writeFileSync(portFile, `${port}\n`);
    const up = await waitFor(async () => started.exitCode === null && (await isPortOpen("127.0.0.1", port)), START_TIMEOUT_MS);
    if (!up) {
      started.kill("SIGKILL");
      throw new Error(`private MySQL did not start; see ${logFile}`);
    }
  };

  const stop = async () => {
    const running = child;
    child = null;
    if (running && running.exitCode === null) {
      const exited = new Promise((done) => running.once("exit", done));
      running.kill("SIGTERM");
      await exited;
    } else if (!running && options.persistent && existsSync(pidFile)) {
      // One a previous run left behind: we know it only by its pid file.
      try {
        process.kill(Number(readFileSync(pidFile, "utf8").trim()), "SIGTERM");
      } catch {
        // Already gone.
      }
    }
    await waitFor(async () => !(await isPortOpen("127.0.0.1", port)), START_TIMEOUT_MS);
  };

  if (!reused) await start();
  return { baseUrl: `mysql://root@127.0.0.1:${port}/`, port, start, stop };
}
