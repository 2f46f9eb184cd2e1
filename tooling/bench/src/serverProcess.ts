import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { track } from "./children";
import { processMemoryKiB } from "./proc";

/** The repository root, from this file's place in tooling/bench/src. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/**
 * `--import` this to run TypeScript in a plain `node` process (what `tsx` itself does). Under
 * vitest, which has no `import.meta.resolve`, the bare name resolves from this package's
 * directory, where its tests run.
 */
export const TSX_LOADER = typeof import.meta.resolve === "function" ? import.meta.resolve("tsx") : "tsx";

export interface ServerProcessOptions {
  databaseUrl: string;
  jwtSecret: string;
  /** Where the server's stdout/stderr go. */
  logFile: string;
  /** Write a V8 CPU profile (`--cpu-prof`) into this directory when the server exits. */
  cpuProfileDir?: string;
  /** Extra `node` flags, e.g. `--heapsnapshot-signal=SIGUSR2`. */
  nodeArgs?: string[];
  /** Extra environment for the server, over the benchmark's own. */
  env?: Record<string, string>;
  /**
   * The checkout whose `apps/server` runs, with its own dependencies installed; this one by
   * default. Another version under the same load, for alternating A/B runs.
   */
  serverRoot?: string;
  /**
   * Run `apps/server/src/main.ts` under tsx instead of the production build. For CPU
   * profiles whose frames name each package's source file (the build is one bundle); tsx
   * keeps function names by giving each function it creates a `name` property, which costs
   * memory per closure that the production server does not spend. @default false
   */
  fromSource?: boolean;
}

export interface ServerProcess {
  pid: number;
  /** HTTP origin, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Resident memory now, KiB. */
  rssKiB: () => number;
  /** Highest resident memory since the process started (VmHWM), KiB. */
  peakRssKiB: () => number;
  /** SIGTERM (graceful drain), then SIGKILL after `timeoutMs`. */
  stop: (timeoutMs?: number) => Promise<void>;
}

/** An unused TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} during start; see ${logFile}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not become healthy within ${timeoutMs} ms; see ${logFile}`);
}

/** Checkouts whose server this run has built, by root. */
const built = new Map<string, string>();

/**
 * Builds `root`'s server as production does (`apps/server/build.mjs`: one bundle,
 * `dist/main.js`), once per run, and returns the bundle's path.
 */
function serverBuild(root: string): string {
  let entry = built.get(root);
  if (entry) return entry;
  const serverDir = join(root, "apps/server");
  const build = spawnSync(process.execPath, ["build.mjs"], { cwd: serverDir, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`building the server in ${serverDir} failed:\n${build.stderr || build.stdout}`);
  entry = join(serverDir, "dist/main.js");
  built.set(root, entry);
  return entry;
}

/**
 * Starts the real server as its own process, the production build (`node dist/main.js`,
 * built from the checkout first) unless `fromSource`, so `pid` is the server itself and
 * /proc figures are its own. Resolves once `/healthz` answers.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const nodeArgs = [...(options.nodeArgs ?? [])];
  if (options.cpuProfileDir) {
    mkdirSync(options.cpuProfileDir, { recursive: true });
    nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`);
  }
  const log = createWriteStream(options.logFile, { flags: "a" });
  const root = options.serverRoot ?? REPO_ROOT;
  const entry = options.fromSource ? ["--import", TSX_LOADER, join(root, "apps/server/src/main.ts")] : [serverBuild(root)];
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: join(root, "apps/server"),
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      JWT_SECRET: options.jwtSecret,
      LOG_LEVEL: "warn",
      // Every client runs on this machine and logs in from one address, thousands at a time;
      // per-client call budgets are checked on every call but are not what is measured.
      CALLS_PER_SECOND: "1000000000",
      CALL_BURST: "1000000000",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start the server process");
  track(child);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async (timeoutMs = 20_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
    await new Promise<void>((resolve) => log.end(() => resolve()));
  };

  try {
    await waitForHealth(url, child, 60_000, options.logFile);
  } catch (error) {
    await stop(2_000);
    throw error;
  }
  return { pid, url, rssKiB: () => processMemoryKiB(pid).rss, peakRssKiB: () => processMemoryKiB(pid).peak, stop };
}
