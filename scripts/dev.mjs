#!/usr/bin/env node
// Runs all of Convoy for a user: the server (which migrates and seeds MySQL, or starts a
// private MariaDB under .data/ when none answers), the three apps and the simulator.
//
//   pnpm dev                  development: the server from source (tsx watch), Vite dev servers with hot reload
//   pnpm start                the production build: compiles the server and the apps, and runs
//                             `node apps/server/dist/main.js`, which serves the apps
//   ... --no-simulator        without the simulated drivers
//
// Ports: PORT (default 3000) for the server; APP_PORT (default 5173) for the dispatcher's
// Vite server, the driver's and the rider's on the next two ports (development only).
//
// Every child runs in a process group of its own. When the server cannot start, or any
// child exits on its own, everything stops and this exits with that child's code (1 when it
// had none). SIGINT, SIGTERM and SIGHUP (the terminal closing) stop every group (SIGTERM,
// then SIGKILL after STOP_GRACE_MS) and exit 0 once no process of theirs is left.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createECDH, randomBytes } from "node:crypto";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = new Set(process.argv.slice(2));
const production = args.has("--prod");
const withSimulator = !args.has("--no-simulator") && existsSync(join(root, "apps/simulator/package.json"));
const port = Number(process.env.PORT ?? 3000);
const appPort = Number(process.env.APP_PORT ?? 5173);
for (const [name, value] of [
  ["PORT", port],
  ["APP_PORT", appPort],
]) {
  if (!Number.isInteger(value) || value < 1 || value > 65_533) {
    console.error(`convoy: ${name} must be a port number, got "${process.env[name]}"`);
    process.exit(1);
  }
}
const apps = ["dispatcher", "driver", "rider"].map((name, i) => ({ name, port: appPort + i }));
/** How long the server may take to answer /healthz before the start counts as failed, ms. */
const START_TIMEOUT_MS = 180_000;
/** How long children may take to stop (the server drains its sockets) before SIGKILL, ms. */
const STOP_GRACE_MS = 10_000;
/** The server's start-up failure is one stderr line with this prefix (see apps/server/src/main.ts). */
const SERVER_FAILURE_PREFIX = "convoy: ";

/** Running children: each is the leader of its own process group. */
const children = new Set();
let stopping = null;
let serverUp = false;
let serverFailure = null;

function prefixLines(stream, prefix, onLine) {
  let pending = "";
  stream.on("data", (chunk) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      process.stdout.write(`${prefix} ${line}\n`);
      onLine?.(line);
    }
  });
}

/** Starts a child in its own process group; its output is printed with a label. */
function run(label, command, commandArgs, env = {}) {
  const child = spawn(command, commandArgs, {
    cwd: root,
    env: { ...process.env, FORCE_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const prefix = `[${label}]`.padEnd(13);
  prefixLines(child.stdout, prefix);
  prefixLines(child.stderr, prefix, (line) => {
    // Under `tsx watch` the server's process lives on after a failed start, so its
    // one-sentence reason is what tells us the start failed.
    if (label === "server" && !serverUp && line.startsWith(SERVER_FAILURE_PREFIX)) {
      serverFailure = line;
      void stop(1);
    }
  });
  children.add(child);
  child.once("exit", (code, signal) => {
    children.delete(child);
    if (stopping) return;
    process.stdout.write(`${prefix} exited with ${signal ?? `code ${code}`}; stopping everything\n`);
    void stop(label === "server" ? (code ?? 1) : code || 1);
  });
  return child;
}

/** True while any process is left in the group `pgid`. */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already empty.
  }
}

/** Stops every child's whole process group, then exits with `code`. Idempotent. */
function stop(code) {
  stopping ??= (async () => {
    const groups = [...children].map((child) => child.pid).filter((pid) => pid !== undefined);
    for (const pgid of groups) signalGroup(pgid, "SIGTERM");
    const deadline = Date.now() + STOP_GRACE_MS;
    while (groups.some(groupAlive) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    for (const pgid of groups.filter(groupAlive)) signalGroup(pgid, "SIGKILL");
    while (groups.some(groupAlive)) await new Promise((done) => setTimeout(done, 50));
    // The reason comes last, after the children's goodbyes.
    if (serverFailure) process.stderr.write(`\n${serverFailure}\n`);
    process.exit(code);
  })();
  return stopping;
}

// A stop the user asked for is a success.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => void stop(0));
// `pnpm dev` may die without passing its signal on: an orphaned dev.mjs stops too.
const parentPid = process.ppid;
setInterval(() => process.ppid !== parentPid && void stop(0), 500).unref();

/** A JWT secret for this machine, kept out of the repo under .data/. */
function localJwtSecret() {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = join(root, ".data/jwt-secret");
  if (!existsSync(file)) {
    mkdirSync(join(root, ".data"), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  return readFileSync(file, "utf8").trim();
}

/**
 * Web Push's VAPID key pair for this machine, made on first run and kept under .data/ (out of
 * the repo; browsers' subscriptions are tied to the public key, so it must not change). The
 * environment's VAPID_* win when set.
 */
function localVapidEnv() {
  if (process.env.VAPID_PUBLIC_KEY || process.env.VAPID_PRIVATE_KEY) return {};
  const file = join(root, ".data/vapid.json");
  if (!existsSync(file)) {
    // What `web-push generate-vapid-keys` makes: a P-256 pair, the public key uncompressed, both base64url.
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const privateKey = ecdh.getPrivateKey();
    // A key with leading zero bytes comes back shorter; the format wants all 32.
    const padded = Buffer.concat([Buffer.alloc(32 - privateKey.length), privateKey]);
    const keys = { publicKey: ecdh.getPublicKey().toString("base64url"), privateKey: padded.toString("base64url") };
    mkdirSync(join(root, ".data"), { recursive: true });
    writeFileSync(file, JSON.stringify(keys, null, 2) + "\n", { mode: 0o600 });
  }
  const keys = JSON.parse(readFileSync(file, "utf8"));
  return { VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey };
}

async function waitForServer() {
  for (const deadline = Date.now() + START_TIMEOUT_MS; Date.now() < deadline && !stopping;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Resolves with the exit code of a short-lived step, stopped like any child. */
function step(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: "inherit", detached: true });
  children.add(child);
  return new Promise((done) =>
    child.once("exit", (code) => {
      children.delete(child);
      done(code ?? 1);
    }),
  );
}

/** True when something accepts connections on 127.0.0.1:`port`. */
function portInUse(port) {
  return new Promise((done) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), done(true)));
    socket.once("error", () => done(false));
  });
}

if (await portInUse(port)) {
  console.error(`convoy: port ${port} is in use (another Convoy?). Stop it or set PORT.`);
  process.exit(1);
}

const serverEnv = { PORT: String(port), JWT_SECRET: localJwtSecret(), ...localVapidEnv() };
const devOrigins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`, ...apps.map((app) => `http://localhost:${app.port}`)];
if (production) {
  console.log("Building the server and the apps…");
  const built = await step("pnpm", [
    "turbo",
    "run",
    "build",
    ...["server", ...apps.map((app) => app.name)].map((name) => `--filter=@convoy/${name}`),
  ]);
  if (stopping) await stopping;
  if (built !== 0) process.exit(built);
  const staticDir = join(root, ".cache/apps");
  rmSync(staticDir, { recursive: true, force: true });
  for (const app of apps) cpSync(join(root, `apps/${app.name}/dist`), join(staticDir, app.name), { recursive: true });
  // NODE_ENV is left as it is: on this machine the server keeps development's database
  // fallback (a private MariaDB under .data/), which NODE_ENV=production turns off.
  const servedOrigins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  run("server", process.execPath, ["apps/server/dist/main.js"], {
    ...serverEnv,
    STATIC_DIR: staticDir,
    ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS ?? servedOrigins.join(","),
  });
} else {
  run("server", "pnpm", ["--silent", "--filter", "@convoy/server", "dev"], {
    ...serverEnv,
    ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS ?? devOrigins.join(","),
  });
  for (const app of apps) {
    run(app.name, "pnpm", ["--silent", "--filter", `@convoy/${app.name}`, "dev", "--port", String(app.port)], {
      CONVOY_API_URL: `http://localhost:${port}`,
      // Tracking links point at the rider app, which in dev is on a port of its own.
      VITE_RIDER_APP_URL: `http://localhost:${apps[2].port}/rider/`,
    });
  }
}

if (await waitForServer()) {
  serverUp = true;
  if (withSimulator) run("simulator", "pnpm", ["--silent", "--filter", "@convoy/simulator", "start"], { CONVOY_API_URL: `http://127.0.0.1:${port}` });
  const url = (app) => (production ? `http://localhost:${port}/${app.name}/` : `http://localhost:${app.port}/${app.name}/`);
  console.log(
    [
      "",
      "Convoy is running:",
      ...apps.map((app) => `  ${app.name.padEnd(11)} ${url(app)}`),
      `  api         http://localhost:${port}/trpc`,
      "Demo logins: see the [server] lines above.",
      withSimulator ? "Simulated drivers are moving (run with --no-simulator to turn them off)." : "",
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
} else if (!stopping) {
  serverFailure = `${SERVER_FAILURE_PREFIX}the server did not answer http://127.0.0.1:${port}/healthz within ${START_TIMEOUT_MS / 1000} s.`;
  await stop(1);
}
