import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { isPortOpen } from "../src/ports";
import { createTestDatabase } from "./support/harness";
import { TEST_JWT_SECRET } from "./support/config";

// `pnpm dev` for real: scripts/dev.mjs with its server, three Vite servers and the
// simulator, on ports of this test's own.

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const devScript = fileURLToPath(new URL("../../../scripts/dev.mjs", import.meta.url));
const APPS = ["dispatcher", "driver", "rider"];

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
}

/** Every process on the machine, from /proc. */
function processes(): Proc[] {
  const list: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
      const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z") continue;
      list.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid) });
    } catch {
      // It exited while we looked.
    }
  }
  return list;
}

/** A process's command line, as its arguments. */
function commandOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

function descendants(rootPid: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const proc of all.filter((candidate) => candidate.ppid === parent)) {
      found.push(proc);
      queue.push(proc.pid);
    }
  }
  return found;
}

const portHeld = async (port: number) => (await isPortOpen("127.0.0.1", port)) || (await isPortOpen("::1", port));

/**
 * A free server port and the three app ports after it, all below the kernel's ephemeral range
 * (32768 and up on Linux), where the port-0 listeners and outgoing connections of the tests
 * running alongside cannot take one between this check and dev.mjs binding it.
 */
async function freePorts(): Promise<{ port: number; appPort: number }> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = [port, port + 1, port + 2, port + 3];
    if (!(await Promise.all(ports.map(portHeld))).some(Boolean)) return { port, appPort: port + 1 };
  }
}

interface DevRun {
  child: ChildProcess;
  output: () => string;
  /** Its own stderr alone. */
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every process group a descendant of dev.mjs was seen in. */
  groups: Set<number>;
  ports: number[];
}

const runs: DevRun[] = [];
const ownGroup = Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[2]);

function startDev(env: Record<string, string>, ports: { port: number; appPort: number }, args: string[] = []): DevRun {
  const child = spawn(process.execPath, [devScript, ...args], {
    cwd: repoRoot,
    env: { ...process.env, JWT_SECRET: TEST_JWT_SECRET, PORT: String(ports.port), APP_PORT: String(ports.appPort), SIM_DRIVERS: "2", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own group, so the cleanup below can reach whatever it leaves behind.
    detached: true,
  });
  let output = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  const groups = new Set<number>([child.pid!]);
  // Record the groups as they appear, so a child that outlives dev.mjs is still known.
  const watcher = setInterval(() => {
    for (const proc of descendants(child.pid!)) if (proc.pgid !== ownGroup) groups.add(proc.pgid);
  }, 200);
  void exited.then(() => clearInterval(watcher));
  const run = { child, output: () => output, stderr: () => stderr, exited, groups, ports: [ports.port, ...APPS.map((_, i) => ports.appPort + i)] };
  runs.push(run);
  return run;
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string, run: DevRun): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${run.output()}`);
    if (run.child.exitCode !== null) throw new Error(`dev.mjs exited while waiting for ${what}; output:\n${run.output()}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

async function exitWithin(run: DevRun, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`dev.mjs did not exit within ${ms} ms; output:\n${run.output()}`)), ms);
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What is still running of a run: processes in its groups, and held ports. */
async function leftovers(run: DevRun) {
  const stillRunning = processes().filter((proc) => run.groups.has(proc.pgid));
  const heldPorts: number[] = [];
  for (const port of run.ports) if (await portHeld(port)) heldPorts.push(port);
  return { stillRunning, heldPorts };
}

afterEach(async () => {
  // Whatever a failed test left behind goes, group by group.
  for (const run of runs.splice(0)) {
    for (const pgid of run.groups) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // Already empty.
      }
    }
  }
});

describe("pnpm dev (scripts/dev.mjs)", () => {
  it("exits non-zero with the server's one sentence when MySQL is unreachable, and leaves nothing running", async () => {
    const run = startDev({ DATABASE_URL: "mysql://root@127.0.0.1:1/convoy" }, await freePorts());
    const { code } = await exitWithin(run, 90_000);
    expect(code).toBe(1);
    const sentence =
      'convoy: MySQL is not reachable at 127.0.0.1:1/convoy. Start it (e.g. "docker compose up -d mysql", or "sudo service mariadb start") or set DATABASE_URL.';
    expect(run.stderr().trimEnd().split("\n").at(-1)).toBe(sentence);
    expect(await leftovers(run)).toEqual({ stillRunning: [], heldPorts: [] });
  }, 120_000);

  const database = createTestDatabase();
  afterAll(async () => (await database).drop());

  it("stops every child and frees every port on SIGTERM", async () => {
    const ports = await freePorts();
    const run = startDev({ DATABASE_URL: (await database).url }, ports);
    await until(
      () =>
        fetch(`http://127.0.0.1:${ports.port}/healthz`).then(
          (response) => response.ok,
          () => false,
        ),
      150_000,
      "the server's /healthz",
      run,
    );
    for (const [i, name] of APPS.entries()) {
      await until(
        () =>
          fetch(`http://localhost:${ports.appPort + i}/${name}/`).then(
            (response) => response.ok,
            () => false,
          ),
        60_000,
        `the ${name} app`,
        run,
      );
    }
    await until(() => run.output().includes("simulator: 2 drivers moving"), 60_000, "the simulator", run);
    const running = descendants(run.child.pid!);
    // pnpm, tsx and node for the server and the simulator, pnpm and Vite for each app.
    expect(new Set(running.map((proc) => proc.pgid)).size).toBeGreaterThanOrEqual(5);

    run.child.kill("SIGTERM");
    const { code } = await exitWithin(run, 30_000);
    expect(code).toBe(0);
    expect(running.filter((proc) => processes().some((alive) => alive.pid === proc.pid && alive.pgid === proc.pgid))).toEqual([]);
    expect(await leftovers(run)).toEqual({ stillRunning: [], heldPorts: [] });
  }, 300_000);

  it("pnpm start (--prod) runs the compiled server with node, serving the built apps, and SIGTERM stops everything", async () => {
    const ports = await freePorts();
    const run = startDev({ DATABASE_URL: (await database).url }, ports, ["--prod"]);
    // The build comes first: turbo replays what is cached, else compiles the server and the apps.
    await until(
      () =>
        fetch(`http://127.0.0.1:${ports.port}/healthz`).then(
          (response) => response.ok,
          () => false,
        ),
      240_000,
      "the server's /healthz",
      run,
    );
    for (const name of APPS) {
      const page = await fetch(`http://127.0.0.1:${ports.port}/${name}/`);
      expect([page.status, page.headers.get("content-type"), (await page.text()).includes("<script")]).toEqual([
        200,
        "text/html; charset=utf-8",
        true,
      ]);
    }
    await until(() => run.output().includes("simulator: 2 drivers moving"), 60_000, "the simulator", run);
    const running = descendants(run.child.pid!);
    expect(running.map((proc) => commandOf(proc.pid))).toContainEqual([process.execPath, "apps/server/dist/main.js"]);

    run.child.kill("SIGTERM");
    const { code } = await exitWithin(run, 30_000);
    expect(code).toBe(0);
    expect(await leftovers(run)).toEqual({ stillRunning: [], heldPorts: [] });
  }, 360_000);
});
