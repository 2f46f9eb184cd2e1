#!/usr/bin/env node
// Checks the production artifact by running it the way the image runs it (see the Dockerfile):
//
//   1. scripts/assembleRuntime.sh into a fresh temporary directory, the script the Dockerfile's
//      build stage runs: build, copy the output, install production dependencies only;
//   2. nothing of the TypeScript toolchain is in it, and an unprivileged user can read it all;
//   3. the runtime stage's COPY, ENV, WORKDIR and CMD, read from the Dockerfile with that
//      directory standing for the image's, and no DATABASE_URL: the server refuses to start
//      and names DATABASE_URL;
//   4. the same with DATABASE_URL of a fresh database, a generated JWT_SECRET and a free PORT,
//      as an unprivileged user when this runs as root: ready (/readyz, or /healthz where there
//      is no /readyz), the Dockerfile's HEALTHCHECK command passes, the apps are served, a demo
//      account logs in over HTTP and its token is accepted;
//   5. SIGTERM: the server drains and exits 0.
//
// The database and the directory are removed at the end, whatever happened. Exits 0 when every
// step passed, else 1 after naming the step that failed and printing the server's output.
// MySQL: the server of TEST_DATABASE_URL (default mysql://root@127.0.0.1:3306/), as the tests'.
//
//   node scripts/productionCheck.mjs
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** Longest wait for the server to become ready: it migrates and seeds a fresh database first, ms. */
const READY_TIMEOUT_MS = 90_000;
/** Longest wait for the server to exit, after SIGTERM or a refused start, ms. */
const EXIT_TIMEOUT_MS = 30_000;
/** Packages that would mean TypeScript is compiled at run time, or that dev tooling leaked in. */
const TOOLCHAIN = ["typescript", "tsx", "esbuild", "vite", "vitest", "turbo"];
/** Who runs the server when this runs as root: `nobody`, as the image runs it as `node`. */
const UNPRIVILEGED = { uid: 65534, gid: 65534 };

const require = createRequire(join(root, "apps/server/package.json"));
/** @type {typeof import("mysql2/promise")} */
const mysql = require("mysql2/promise");

const started = Date.now();
const log = (message) => process.stdout.write(`productionCheck: ${message} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
class CheckFailure extends Error {}
const fail = (message) => {
  throw new CheckFailure(message);
};

/**
 * The parts of the Dockerfile this check follows: the directory the build stage assembles,
 * and the runtime (last) stage's COPY destination, ENV, WORKDIR, USER, CMD and HEALTHCHECK.
 */
function readDockerfile() {
  const text = readFileSync(join(root, "Dockerfile"), "utf8").replace(/\\\n\s*/g, " ");
  const stages = [];
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (!line || line.startsWith("#")) continue;
    const [instruction = "", ...words] = line.split(/\s+/);
    const args = words.join(" ");
    if (instruction.toUpperCase() === "FROM") stages.push({ name: /\bAS\s+(\S+)$/i.exec(args)?.[1], lines: [] });
    else stages.at(-1)?.lines.push({ instruction: instruction.toUpperCase(), args });
  }
  const runtime = stages.at(-1);
  if (stages.length < 2 || !runtime) fail("the Dockerfile has no build stage and runtime stage");
  const all = (stage, instruction) => stage.lines.filter((l) => l.instruction === instruction).map((l) => l.args);
  const one = (instruction) => {
    const found = all(runtime, instruction);
    if (found.length !== 1) fail(`the Dockerfile's runtime stage needs exactly one ${instruction}`);
    return found[0];
  };

  const copy = /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(one("COPY"));
  if (!copy) fail("the runtime stage's COPY is not `COPY --from=STAGE DIR DEST`");
  const [, fromStage, source, dest] = copy;
  const build = stages.find((stage) => stage.name === fromStage);
  const assembled = build && all(build, "RUN").some((args) => args === `scripts/assembleRuntime.sh ${source}`);
  if (!assembled) fail(`the stage "${fromStage}" does not RUN scripts/assembleRuntime.sh ${source}, which the runtime stage copies`);

  const env = {};
  for (const args of all(runtime, "ENV")) {
    for (const pair of args.split(/\s+/)) {
      const match = /^([A-Z_][A-Z0-9_]*)=([^"'\s]*)$/.exec(pair);
      if (!match) fail(`ENV ${args}: only unquoted NAME=value pairs are understood`);
      env[match[1]] = match[2];
    }
  }
  const command = (json) => {
    const parsed = JSON.parse(json);
    if (!Array.isArray(parsed) || parsed[0] !== "node") fail(`${json} is not an exec-form command running node`);
    return parsed.slice(1);
  };
  const healthcheck = /\bCMD\s+(\[.*\])$/.exec(one("HEALTHCHECK"));
  if (!healthcheck) fail("the runtime stage's HEALTHCHECK has no exec-form CMD");
  const user = one("USER");
  if (user === "root" || user === "0") fail("the runtime stage runs as root");
  return { dest, env, workdir: one("WORKDIR"), cmd: command(one("CMD")), healthcheck: command(healthcheck[1]) };
}

/** Every path under `dir` that an unprivileged user could not read (or enter). */
function unreadable(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) {
      if ((stat.mode & 0o005) !== 0o005) found.push(path);
      found.push(...unreadable(path));
    } else if ((stat.mode & 0o004) === 0) found.push(path);
  }
  return found;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command to its end, with its output passed through; resolves with its exit code. */
function runStep(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit", ...options });
    child.once("error", () => resolve(127));
    child.once("exit", (code, signal) => resolve(code ?? signal));
  });
}

/** The server as the image's CMD starts it; its output is kept for the report. */
function startServer(image, env) {
  const child = spawn(process.execPath, image.cmd, {
    cwd: image.workdir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(process.getuid?.() === 0 ? UNPRIVILEGED : {}),
  });
  const server = { child, stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => (server.stdout += chunk));
  child.stderr.on("data", (chunk) => (server.stderr += chunk));
  server.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  return server;
}

async function exitOf(server, what) {
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve("timeout"), EXIT_TIMEOUT_MS)));
  const result = await Promise.race([server.exited, timeout]);
  clearTimeout(timer);
  if (result === "timeout") fail(`the server did not exit within ${EXIT_TIMEOUT_MS / 1000} s ${what}`);
  return result;
}

/** Resolves with the readiness path that answered 200: /readyz, or /healthz where /readyz is 404. */
async function waitUntilReady(server, origin) {
  for (const deadline = Date.now() + READY_TIMEOUT_MS; Date.now() < deadline;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) fail("the server exited during start");
    const readyz = await fetch(`${origin}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (readyz === 200) return "/readyz";
    if (
      readyz === 404 &&
      (await fetch(`${origin}/healthz`).then(
        (r) => r.status,
        () => 0,
      )) === 200
    )
      return "/healthz";
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  fail(`the server was not ready within ${READY_TIMEOUT_MS / 1000} s`);
}

/** Drops the check's database; a failure to drop is reported, not thrown, so it hides no earlier failure. */
async function dropDatabase(mysqlServer, databaseUrl) {
  try {
    const connection = await mysql.createConnection({ uri: mysqlServer.toString(), connectTimeout: 5_000 });
    await connection.query(`DROP DATABASE IF EXISTS \`${new URL(databaseUrl).pathname.slice(1)}\``);
    await connection.end();
  } catch (error) {
    log(`could not drop ${databaseUrl}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The server process of the current step, whose output a failure report shows. */
let server;

async function main() {
  const image = readDockerfile();
  const dir = mkdtempSync(join(tmpdir(), "convoy-production-"));
  // mkdtemp makes it private to its owner; the image's /app is readable by its USER.
  chmodSync(dir, 0o755);
  const app = join(dir, "app");
  const inImage = (path) => (path === image.dest || path.startsWith(`${image.dest}/`) ? app + path.slice(image.dest.length) : path);
  const mysqlServer = new URL(process.env.TEST_DATABASE_URL ?? "mysql://root@127.0.0.1:3306/");
  mysqlServer.pathname = "/";
  const databaseUrl = new URL(`convoy_production_check_${randomBytes(4).toString("hex")}`, mysqlServer).toString();
  try {
    log(`assembling the runtime in ${app} (scripts/assembleRuntime.sh, as the Dockerfile's build stage)`);
    const assembled = await runStep(join(root, "scripts/assembleRuntime.sh"), [app], { cwd: root });
    if (assembled !== 0) fail(`scripts/assembleRuntime.sh exited with ${assembled}`);
    const installed = readdirSync(join(app, "node_modules/.pnpm"));
    const toolchain = installed.filter((name) => TOOLCHAIN.some((tool) => name.startsWith(`${tool}@`)));
    if (toolchain.length > 0) fail(`the runtime holds build tools: ${toolchain.join(", ")}`);
    const hidden = unreadable(app);
    if (hidden.length > 0) fail(`an unprivileged user cannot read ${hidden.slice(0, 5).join(", ")}`);
    const packages = installed.filter((name) => name.includes("@")).length;
    log(`ok: assembled, ${packages} production packages and no build tools, all readable`);

    const containerEnv = {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: dir,
      ...Object.fromEntries(Object.entries(image.env).map(([name, value]) => [name, inImage(value)])),
      JWT_SECRET: randomBytes(32).toString("hex"),
    };
    image.workdir = inImage(image.workdir);

    server = startServer(image, containerEnv);
    const refusedWith = await exitOf(server, "when started without DATABASE_URL");
    if (refusedWith !== 1 || !server.stderr.includes("DATABASE_URL")) {
      fail(`without DATABASE_URL the server exited with ${refusedWith} and said: ${server.stderr || server.stdout}`);
    }
    log(`ok: without DATABASE_URL it refuses to start: ${server.stderr.trim()}`);

    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    // Production creates no demo accounts unless asked; the check signs in with one.
    const env = { ...containerEnv, PORT: String(port), DATABASE_URL: databaseUrl, SEED_DEMO_ACCOUNTS: "true" };
    server = startServer(image, env);
    const readiness = await waitUntilReady(server, origin);
    log(`ok: ${readiness} answers 200 on ${origin}`);

    const healthcheck = await runStep(process.execPath, image.healthcheck, { env, stdio: "ignore" });
    if (healthcheck !== 0) fail(`the Dockerfile's HEALTHCHECK command exited with ${healthcheck}`);
    const page = await fetch(`${origin}/dispatcher/`);
    if (page.status !== 200 || !(await page.text()).includes("<script")) fail(`GET /dispatcher/ answered ${page.status}, not the app`);
    log("ok: the HEALTHCHECK command passes and the apps are served");

    // The demo login as the server prints it, so the accounts stay defined in one place.
    const demo = /^\s*dispatcher\s+(\S+@\S+) \/ (\S+)$/m.exec(server.stdout);
    if (!demo) fail("the server printed no dispatcher demo login");
    const login = await fetch(`${origin}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: demo[1], password: demo[2] }),
    });
    const token = login.ok ? (await login.json()).result?.data?.token : undefined;
    if (typeof token !== "string") fail(`POST /trpc/auth.login answered ${login.status}`);
    const me = await fetch(`${origin}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
    const user = me.ok ? (await me.json()).result?.data : undefined;
    if (user?.email !== demo[1]) fail(`GET /trpc/auth.me with the new token answered ${me.status}`);
    log(`ok: ${demo[1]} logged in over HTTP and the token is accepted`);

    server.child.kill("SIGTERM");
    const code = await exitOf(server, "after SIGTERM");
    if (code !== 0) fail(`after SIGTERM the server exited with ${code}`);
    log("ok: SIGTERM: drained and exited 0");
  } finally {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill("SIGKILL");
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(mysqlServer, databaseUrl);
  }
}

try {
  await main();
  log("passed");
} catch (error) {
  log(`FAILED: ${error instanceof CheckFailure ? error.message : error instanceof Error ? error.stack : String(error)}`);
  if (server) process.stdout.write(`--- server stdout\n${server.stdout}--- server stderr\n${server.stderr}`);
  process.exitCode = 1;
}
