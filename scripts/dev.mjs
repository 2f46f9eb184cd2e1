#!/usr/bin/env node
// Runs all of Convoy for a user: the server (which migrates and seeds MySQL, or starts a
// private MariaDB under .data/ when none answers), the three apps and the simulator.
//
//   pnpm dev                  development: Vite dev servers with hot reload
//   pnpm start                production: builds the apps, the server serves them
//   ... --no-simulator        without the simulated drivers
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = new Set(process.argv.slice(2));
const production = args.has("--prod");
const withSimulator = !args.has("--no-simulator") && existsSync(join(root, "apps/simulator/package.json"));
const port = process.env.PORT ?? "3000";
const apps = [
  { name: "dispatcher", port: 5173 },
  { name: "driver", port: 5174 },
  { name: "rider", port: 5175 },
];
const children = [];

function run(label, command, commandArgs, env = {}) {
  const child = spawn(command, commandArgs, {
    cwd: root,
    env: { ...process.env, FORCE_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = `[${label}]`.padEnd(13);
  for (const stream of [child.stdout, child.stderr]) {
    let pending = "";
    stream.on("data", (chunk) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) process.stdout.write(`${prefix} ${line}\n`);
    });
  }
  child.on("exit", (code) => {
    if (!shuttingDown && label === "server") {
      process.stdout.write(`${prefix} exited with code ${code}; stopping\n`);
      shutdown(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

let shuttingDown = false;
function shutdown(code = 0) {
  shuttingDown = true;
  for (const child of children) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 1_500).unref();
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

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

async function waitForServer() {
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const serverEnv = { PORT: port, JWT_SECRET: localJwtSecret() };
if (production) {
  console.log("Building the apps…");
  const build = spawnSync("pnpm", ["turbo", "run", "build", "--filter=@convoy/dispatcher", "--filter=@convoy/driver", "--filter=@convoy/rider"], {
    cwd: root,
    stdio: "inherit",
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const staticDir = join(root, ".cache/apps");
  rmSync(staticDir, { recursive: true, force: true });
  for (const app of apps) cpSync(join(root, `apps/${app.name}/dist`), join(staticDir, app.name), { recursive: true });
  run("server", "pnpm", ["--filter", "@convoy/server", "start"], { ...serverEnv, NODE_ENV: "production", STATIC_DIR: staticDir });
} else {
  run("server", "pnpm", ["--filter", "@convoy/server", "dev"], serverEnv);
  for (const app of apps) run(app.name, "pnpm", ["--filter", `@convoy/${app.name}`, "dev"], { CONVOY_API_URL: `http://localhost:${port}` });
}

if (await waitForServer()) {
  if (withSimulator) run("simulator", "pnpm", ["--filter", "@convoy/simulator", "start"], { CONVOY_API_URL: `http://127.0.0.1:${port}` });
  const url = (app) => (production ? `http://localhost:${port}/${app.name}/` : `http://localhost:${app.port}/${app.name}/`);
  console.log(
    [
      "",
      "Convoy is running:",
      ...apps.map((app) => `  ${app.name.padEnd(11)} ${url(app)}`),
      `  api         http://localhost:${port}/trpc`,
      "Demo logins: dispatcher@convoy.test / dispatch123 · driver1..20@convoy.test / drive123 · rider1..5@convoy.test / ride123",
      withSimulator ? "Simulated drivers are moving (run with --no-simulator to turn them off)." : "",
      "Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
}
