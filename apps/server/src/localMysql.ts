import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { join, resolve } from "node:path";

const CANDIDATE_BINARIES = ["mariadbd", "mysqld", "/usr/sbin/mariadbd", "/usr/sbin/mysqld"];

function which(binary: string): string | null {
  if (binary.startsWith("/")) return existsSync(binary) ? binary : null;
  const found = spawnSync("sh", ["-c", `command -v ${binary}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : null;
}

/** True when something accepts TCP connections at host:port within `timeoutMs`. */
export function isPortOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    const finish = (open: boolean) => {
      socket.destroy();
      done(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
    socket.connect(port, host);
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

/**
 * Starts (or reuses) a private MariaDB/MySQL under `<projectRoot>/.data/mysql`, listening on
 * 127.0.0.1 only, with no system config and no root privileges needed. Returns its
 * DATABASE_URL, or null when no server binary is installed.
 */
export async function startPrivateMysql(projectRoot: string): Promise<string | null> {
  const binary = CANDIDATE_BINARIES.map(which).find((path): path is string => path !== null);
  if (!binary) return null;
  const dataRoot = resolve(projectRoot, ".data");
  const dataDir = join(dataRoot, "mysql");
  const portFile = join(dataRoot, "mysql.port");
  mkdirSync(dataRoot, { recursive: true });

  if (existsSync(portFile)) {
    const port = Number(spawnSync("cat", [portFile], { encoding: "utf8" }).stdout.trim());
    if (port > 0 && (await isPortOpen("127.0.0.1", port))) return `mysql://root@127.0.0.1:${port}/convoy`;
  }

  if (!existsSync(join(dataDir, "mysql"))) {
    const installer = ["mariadb-install-db", "mysql_install_db"].map(which).find((path) => path !== null);
    const init = installer
      ? spawnSync(
          installer,
          ["--no-defaults", `--datadir=${dataDir}`, "--auth-root-authentication-method=normal", "--skip-test-db", `--user=${process.env.USER ?? "root"}`],
          { encoding: "utf8" },
        )
      : spawnSync(binary, ["--no-defaults", "--initialize-insecure", `--datadir=${dataDir}`], { encoding: "utf8" });
    if (init.status !== 0) throw new Error(`could not initialise a private MySQL in ${dataDir}: ${init.stderr}`);
  }

  const port = await freePort();
  const log = openSync(join(dataRoot, "mysql.log"), "a");
  const child = spawn(
    binary,
    [
      "--no-defaults",
      `--datadir=${dataDir}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      `--socket=${join(dataRoot, "mysql.sock")}`,
      `--pid-file=${join(dataRoot, "mysql.pid")}`,
      `--user=${process.env.USER ?? "root"}`,
    ],
    { detached: true, stdio: ["ignore", log, log] },
  );
  child.unref();
  spawnSync("sh", ["-c", `echo ${port} > '${portFile}'`]);
  for (let waited = 0; waited < 30_000; waited += 250) {
    if (await isPortOpen("127.0.0.1", port)) return `mysql://root@127.0.0.1:${port}/convoy`;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`private MySQL did not start; see ${join(dataRoot, "mysql.log")}`);
}
