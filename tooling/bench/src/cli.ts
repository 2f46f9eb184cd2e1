/**
 * `pnpm bench`: creates a fresh database, starts the real server as its own process for each
 * scenario, drives it through @convoy/client from forked worker processes, prints a table
 * and writes bench/results/<timestamp>.json. See bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { UserRole } from "@convoy/db";
import { loginAll } from "./accounts";
import { BenchContext } from "./context";
import { createBenchDatabase, createBenchUsers } from "./database";
import { parseOptions, type BenchOptions } from "./options";
import { checkTargets, formatCalls, formatChatSweep, formatSummary, formatSweep, writeResults, type BenchResults } from "./report";
import { closeAll } from "./roles/clients";
import { probeRiders } from "./roles/riders";
import { runBroadcast } from "./scenarios/broadcast";
import { runCalls } from "./scenarios/calls";
import { runChat, runChatFloor } from "./scenarios/chat";
import { runOffers } from "./scenarios/offers";
import { runFleet, type FleetResult } from "./scenarios/fleet";
import { runFloor } from "./scenarios/floor";
import { runIdle } from "./scenarios/idle";
import { runWrites } from "./scenarios/writes";
import { runEventWrites } from "./scenarios/eventWrites";
import { killAll } from "./children";
import { REPO_ROOT } from "./serverProcess";

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

/** How many accounts of each role the chosen scenarios need at most. */
function accountsNeeded(options: BenchOptions): Record<UserRole, number> {
  const run = new Set(options.sweep ? ["fleet"] : options.sweepChat ? ["chat"] : options.only);
  const driverNeeds = [1];
  const dispatcherNeeds = [1];
  if (run.has("fleet")) {
    driverNeeds.push(options.sweep ? Math.max(...options.sweep) : options.fleet.drivers);
    dispatcherNeeds.push(options.fleet.dispatchers);
  }
  if (run.has("chat")) {
    driverNeeds.push(options.chat.threads);
    dispatcherNeeds.push(Math.min(options.chat.dispatchers, options.chat.threads));
  }
  if (run.has("offers")) {
    driverNeeds.push(options.offers.drivers);
    dispatcherNeeds.push(options.offers.dispatchers);
  }
  if (run.has("broadcast")) driverNeeds.push(options.broadcast.drivers);
  if (run.has("writes")) driverNeeds.push(options.writes.drivers);
  return {
    driver: Math.max(...driverNeeds),
    dispatcher: Math.max(...dispatcherNeeds),
    rider: run.has("fleet") ? options.fleet.riders : 0,
  };
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/** Uncommitted changes under apps/ and packages/: the code measured is HEAD plus these. */
function uncommittedChanges(): string[] {
  try {
    const status = execFileSync("git", ["status", "--porcelain", "--", "apps", "packages"], { cwd: REPO_ROOT, encoding: "utf8" });
    return status.split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) return;
  const startedAt = performance.now();
  const loadAtStart = loadavg()[0]!;
  const timestamp = new Date().toISOString();
  const workDir = mkdtempSync(join(tmpdir(), "convoy-bench-"));
  log(`server logs${options.cpuProfile ? " and CPU profiles" : ""} go to ${workDir}`);

  const database = await createBenchDatabase(options.databaseUrl);
  log(`created database ${database.name}`);
  // Interrupted: end the servers and workers this run started, drop its database, exit.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      // Calls to the killed workers now fail; that is expected while stopping.
      process.on("unhandledRejection", () => undefined);
      killAll();
      database
        .drop()
        .then(() => log(`dropped database ${database.name}`))
        .catch((error: unknown) => log(`could not drop ${database.name}: ${String(error)}`))
        .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
  const context = new BenchContext(options, database, randomBytes(32).toString("hex"), workDir);
  let mysqlVersion = "unknown";
  try {
    const needed = accountsNeeded(options);
    const users = await createBenchUsers(database.handle, needed);
    const [versionRows] = (await database.handle.pool.query("SELECT VERSION() AS v")) as unknown as [{ v: string }[]];
    mysqlVersion = versionRows[0]?.v ?? mysqlVersion;

    // The checkout as the server is built from it, at the first server's start.
    const commit = gitCommit();
    const uncommitted = uncommittedChanges();
    // Log in through the API once; tokens outlive the server processes (same JWT secret).
    const setupServer = await context.startServer("setup");
    const loginStarted = performance.now();
    let logins = 0;
    try {
      if (needed.rider > 0) {
        const [firstRider] = (await loginAll(setupServer.url, users.rider.slice(0, 1), 1)).rider;
        context.riderProbe = await probeRiders(setupServer.url, firstRider!);
        await closeAll();
        logins++;
        if (!context.riderProbe.available) {
          log(`riders not measured: ${context.riderProbe.reason ?? "unavailable"}`);
          users.rider = [];
        }
      }
      const everyone = [...users.dispatcher, ...users.driver, ...users.rider];
      log(`logging in ${everyone.length} accounts through auth.login…`);
      const accounts = await loginAll(setupServer.url, everyone, 8, (done) => log(`  ${done}/${everyone.length} logged in`));
      Object.assign(context.accounts, accounts);
      logins += everyone.length;
    } finally {
      await setupServer.stop();
    }
    const loginSeconds = (performance.now() - loginStarted) / 1000;
    log(`logged in ${logins} accounts in ${loginSeconds.toFixed(1)} s`);

    const results: BenchResults = {
      timestamp,
      label: options.label,
      commit,
      uncommitted,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? "unknown",
        node: process.version,
        mysql: mysqlVersion,
        loadAverage: { start: loadAtStart, end: 0 },
      },
      options,
      wallSeconds: 0,
      setup: { users: users.dispatcher.length + users.driver.length + users.rider.length, logins, loginsPerS: logins / loginSeconds },
      server: { rssMiB: 0 },
      targets: [],
    };

    if (options.sweepChat) {
      results.chatSweep = [];
      for (const rate of options.sweepChat) {
        log(`sweep: chat at ${rate} msg/s, ${options.chat.threads} threads, ${options.sweepChatSeconds} s`);
        const run = await runChat(context, { ...options.chat, messagesPerSecond: rate, seconds: options.sweepChatSeconds });
        results.chatSweep.push(run);
        log(
          `  p99 ${run.latencyMs.p99} ms, typing p99 ${run.typingLatencyMs.p99} ms, server CPU ${run.serverCpuPct.toFixed(1)} %, ${run.serverCpuMsPerMessage.toFixed(2)} ms/msg`,
        );
      }
    } else if (options.sweep) {
      results.sweep = [];
      for (const drivers of options.sweep) {
        log(`sweep: fleet with ${drivers} drivers, ${options.fleet.dispatchers} dispatchers, ${options.sweepSeconds} s`);
        const run: FleetResult = await runFleet(context, { ...options.fleet, drivers, seconds: options.sweepSeconds });
        results.sweep.push(run);
        log(`  p99 ${run.latencyMs.p99} ms, server CPU ${run.serverCpuPct.toFixed(1)} %, ${run.serverUsPerDelivery.toFixed(2)} µs/delivery`);
      }
    } else {
      for (const scenario of options.only) {
        log(`scenario ${scenario}…`);
        if (scenario === "fleet") results.fleet = await runFleet(context, options.fleet);
        if (scenario === "floor") {
          const floor = {
            drivers: options.fleet.drivers,
            dispatchers: options.fleet.dispatchers,
            riders: options.fleet.riders,
            seconds: options.floor.seconds,
          };
          results.floor = await runFloor("ws", floor);
          results.trpcFloor = await runFloor("trpc", floor);
        }
        if (scenario === "chat") {
          results.chat = await runChat(context, options.chat);
          if (options.chatTargetRate !== options.chat.messagesPerSecond) {
            log(`chat at the target rate, ${options.chatTargetRate} msg/s…`);
            results.chatAtTarget = await runChat(context, { ...options.chat, messagesPerSecond: options.chatTargetRate });
          }
          log(`chat floors: the same frames on a bare ws server and through tRPC alone, ${options.chatTargetRate} msg/s…`);
          results.chatFloor = await runChatFloor({ ...options.chat, messagesPerSecond: options.chatTargetRate });
          results.trpcChatFloor = await runChatFloor({ ...options.chat, messagesPerSecond: options.chatTargetRate }, "trpcChat");
        }
        if (scenario === "offers") results.offers = await runOffers(context, options.offers);
        if (scenario === "broadcast") results.broadcast = await runBroadcast(context, options.broadcast);
        if (scenario === "idle") results.idle = await runIdle(context, options.idle);
        if (scenario === "writes") results.writes = await runWrites(context, options.writes);
        if (scenario === "eventWrites") results.eventWrites = await runEventWrites(context, options.eventWrites);
        if (scenario === "calls") results.calls = await runCalls(context, options.calls);
      }
    }

    results.server.rssMiB = context.peakRssKiB / 1024;
    results.machine.loadAverage.end = loadavg()[0]!;
    results.wallSeconds = (performance.now() - startedAt) / 1000;
    results.targets = checkTargets(results);
    const path = writeResults(join(REPO_ROOT, "bench/results"), results);
    if (results.calls) process.stdout.write(`\nServer CPU per call\n${formatCalls(results.calls)}\n`);
    if (results.chatSweep)
      process.stdout.write(
        `\nChat sweep (${options.chat.threads} threads, ${options.sweepChatSeconds} s each)\n${formatChatSweep(results.chatSweep)}\n`,
      );
    else if (!results.sweep) process.stdout.write(`\n${formatSummary(results)}\n`);
    if (results.sweep)
      process.stdout.write(
        `\nFleet sweep (${options.fleet.dispatchers} dispatchers, ${options.sweepSeconds} s each)\n${formatSweep(results.sweep)}\n`,
      );
    process.stdout.write(`\nwrote ${path} (${results.wallSeconds.toFixed(0)} s)\n`);
  } finally {
    if (options.keepDatabase) {
      await database.handle.close();
      log(`kept database ${database.name}`);
    } else {
      await database.drop();
      log(`dropped database ${database.name}`);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
