import { parseArgs } from "node:util";
import { DEFAULT_DATABASE_URL, serverUrl } from "@convoy/db";
import type { ReportTransport } from "./protocol";

export const scenarioNames = ["fleet", "floor", "chat", "offers", "broadcast", "idle", "writes", "eventWrites", "calls"] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface BenchOptions {
  /** Scenarios to run, in this order. */
  only: ScenarioName[];
  fleet: {
    drivers: number;
    dispatchers: number;
    riders: number;
    seconds: number;
    warmupSeconds: number;
  };
  /** The socket floor: the fleet's drivers, dispatchers and riders on a bare `ws` server. */
  floor: { seconds: number };
  chat: { threads: number; dispatchers: number; messagesPerSecond: number; seconds: number; warmupSeconds: number; typingLeadMs: number };
  /** The rate the chat targets are judged at, run after `chat.messagesPerSecond` when different. */
  chatTargetRate: number;
  /** `--sweep-chat`: chat alone at each of these rates, `sweepChatSeconds` each. */
  sweepChat: number[] | null;
  sweepChatSeconds: number;
  offers: { drivers: number; dispatchers: number; recipients: number; offersPerSecond: number; seconds: number; warmupSeconds: number };
  /** `--server-root`: run the server of another checkout (its dependencies installed), for A/B runs. */
  serverRoot: string | null;
  broadcast: { drivers: number; rounds: number; warmupRounds: number };
  idle: { connections: number; workers: number };
  writes: { drivers: number; seconds: number; pointsPerBatch: number; batchesPerSecond: number };
  /** Concurrent connections, measured seconds per round and mode, rounds of each mode (alternating). */
  eventWrites: { writers: number; seconds: number; rounds: number };
  /** Calls per measured cell, and the concurrency of the second run of each cell. */
  calls: { count: number; concurrency: number };
  /** Run the fleet scenario at each of these driver counts instead of the scenario list. */
  sweep: number[] | null;
  sweepSeconds: number;
  /** MySQL server the benchmark database is created on (the path is replaced). */
  databaseUrl: string;
  /** Write V8 CPU profiles of every server process. */
  cpuProfile: boolean;
  /** Run the server from its TypeScript sources under tsx instead of the production build. */
  fromSource: boolean;
  /** Extra `node` flags for the server processes (experiments, e.g. GC settings). */
  serverNodeArgs: string[];
  /** Leave the benchmark database in place for inspection instead of dropping it. */
  keepDatabase: boolean;
  /** A note stored with the results, e.g. "before encoder change". */
  label: string;
  /** How drivers send tracking.report (fleet and writes). */
  reportsOver: ReportTransport;
}

const HELP = `pnpm bench [options]

Scenarios (default: all, in this order): --only fleet,floor,chat,offers,broadcast,idle,writes,eventWrites,calls
Fleet:      --drivers 2000 --dispatchers 50 --riders 500 --seconds 30 --warmup 5
Floor:      --floor-seconds 10  (the fleet's sockets and messages on a bare ws server)
Chat:       --chat-threads 1000 --chat-dispatchers 100 --chat-rate 1000 --chat-seconds 20 --chat-warmup 5 (unmeasured, at the rate)
            --chat-target-rate 2000  (the chat targets are judged at this rate, run after --chat-rate)
            --sweep-chat [--sweep-chat-rates 100,250,500,1000,2000,4000] [--sweep-chat-seconds 10]  (chat only)
Offers:     --offers-drivers 400 --offers-dispatchers 20 --offers-recipients 20 --offers-rate 100 --offers-seconds 20 --offers-warmup 5 (unmeasured, at the rate)
Broadcast:  --broadcast-drivers 500 --broadcast-rounds 10 --broadcast-warmup 5 (unmeasured rounds first)
Idle:       --idle-connections 10000 --idle-workers 4
Writes:     --writers 100 --writes-seconds 10 --writes-batch 50 --writes-rate 11 (batches/s per driver)
Event ids:  --event-writers 32 --event-writes-seconds 2 --event-writes-rounds 5  (eventWrites: seconds per round and mode, alternating)
Calls:      --calls-count 3000 --calls-concurrency 4  (server CPU per call: one at a time, then this many at once)
Sweep:      --sweep [--sweep-drivers 500,1000,2000,4000] [--sweep-seconds 15]  (fleet only)
Reports:    --reports-over positions|socket|http  (how fleet drivers report: the position socket (default),
            or tracking.report over the tRPC socket or HTTP; writes uses tRPC over the socket unless http)
A/B:        --server-root ../other-checkout  (that checkout's server under this load; its dependencies installed)
Server:     the production build (apps/server/build.mjs, run first); --from-source runs src/main.ts under tsx,
            for --cpu-prof profiles that name each package's files
Other:      --database-url ${serverUrl(DEFAULT_DATABASE_URL)}  --cpu-prof  --server-node-args="--flag ..."  --keep-database  --label "text"`;

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

/** Parses the command line; throws with a readable message on a bad flag, prints help on --help. */
export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    strict: true,
    options: {
      help: { type: "boolean", short: "h" },
      only: { type: "string" },
      drivers: { type: "string" },
      dispatchers: { type: "string" },
      riders: { type: "string" },
      seconds: { type: "string" },
      warmup: { type: "string" },
      "floor-seconds": { type: "string" },
      "chat-threads": { type: "string" },
      "chat-dispatchers": { type: "string" },
      "chat-rate": { type: "string" },
      "chat-seconds": { type: "string" },
      "chat-warmup": { type: "string" },
      "chat-target-rate": { type: "string" },
      "sweep-chat": { type: "boolean" },
      "sweep-chat-rates": { type: "string" },
      "sweep-chat-seconds": { type: "string" },
      "offers-drivers": { type: "string" },
      "offers-dispatchers": { type: "string" },
      "offers-recipients": { type: "string" },
      "offers-rate": { type: "string" },
      "offers-seconds": { type: "string" },
      "offers-warmup": { type: "string" },
      "broadcast-drivers": { type: "string" },
      "broadcast-rounds": { type: "string" },
      "broadcast-warmup": { type: "string" },
      "idle-connections": { type: "string" },
      "idle-workers": { type: "string" },
      writers: { type: "string" },
      "writes-seconds": { type: "string" },
      "writes-batch": { type: "string" },
      "writes-rate": { type: "string" },
      "event-writers": { type: "string" },
      "event-writes-seconds": { type: "string" },
      "event-writes-rounds": { type: "string" },
      "calls-count": { type: "string" },
      "calls-concurrency": { type: "string" },
      sweep: { type: "boolean" },
      "sweep-drivers": { type: "string" },
      "sweep-seconds": { type: "string" },
      "database-url": { type: "string" },
      "server-root": { type: "string" },
      "cpu-prof": { type: "boolean" },
      "from-source": { type: "boolean" },
      "server-node-args": { type: "string" },
      "keep-database": { type: "boolean" },
      label: { type: "string" },
      "reports-over": { type: "string" },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return null;
  }
  const only = (values.only?.split(",").map((name) => name.trim()) ?? [...scenarioNames]).map((name) => {
    const known = scenarioNames.find((candidate) => candidate === name);
    if (!known) throw new Error(`--only: unknown scenario "${name}" (known: ${scenarioNames.join(", ")})`);
    return known;
  });
  const sweep =
    values.sweep || values["sweep-drivers"]
      ? (values["sweep-drivers"] ?? "500,1000,2000,4000").split(",").map((raw) => positiveInt("sweep-drivers", raw.trim(), 0))
      : null;
  const reportsOver = values["reports-over"] ?? "positions";
  if (reportsOver !== "positions" && reportsOver !== "socket" && reportsOver !== "http") {
    throw new Error(`--reports-over must be positions, socket or http, got "${reportsOver}"`);
  }
  const writesBatch = positiveInt("writes-batch", values["writes-batch"], 50);
  if (positiveInt("offers-recipients", values["offers-recipients"], 20) > positiveInt("offers-drivers", values["offers-drivers"], 400)) {
    throw new Error("--offers-recipients must be at most --offers-drivers");
  }
  if (writesBatch > 50) throw new Error("--writes-batch must be at most 50 (the API's limit per report)");
  return {
    only,
    fleet: {
      drivers: positiveInt("drivers", values.drivers, 2_000),
      dispatchers: positiveInt("dispatchers", values.dispatchers, 50),
      riders: positiveInt("riders", values.riders, 500, 0),
      seconds: positiveInt("seconds", values.seconds, 30),
      warmupSeconds: positiveInt("warmup", values.warmup, 5, 0),
    },
    floor: { seconds: positiveInt("floor-seconds", values["floor-seconds"], 10) },
    chat: {
      threads: positiveInt("chat-threads", values["chat-threads"], 1_000),
      dispatchers: positiveInt("chat-dispatchers", values["chat-dispatchers"], 100),
      messagesPerSecond: positiveInt("chat-rate", values["chat-rate"], 1_000),
      seconds: positiveInt("chat-seconds", values["chat-seconds"], 20),
      warmupSeconds: positiveInt("chat-warmup", values["chat-warmup"], 5, 0),
      typingLeadMs: 300,
    },
    chatTargetRate: positiveInt("chat-target-rate", values["chat-target-rate"], 2_000),
    sweepChat:
      values["sweep-chat"] || values["sweep-chat-rates"]
        ? (values["sweep-chat-rates"] ?? "100,250,500,1000,2000,4000").split(",").map((raw) => positiveInt("sweep-chat-rates", raw.trim(), 0))
        : null,
    sweepChatSeconds: positiveInt("sweep-chat-seconds", values["sweep-chat-seconds"], 10),
    offers: {
      drivers: positiveInt("offers-drivers", values["offers-drivers"], 400),
      dispatchers: positiveInt("offers-dispatchers", values["offers-dispatchers"], 20),
      recipients: positiveInt("offers-recipients", values["offers-recipients"], 20),
      offersPerSecond: positiveInt("offers-rate", values["offers-rate"], 100),
      seconds: positiveInt("offers-seconds", values["offers-seconds"], 20),
      warmupSeconds: positiveInt("offers-warmup", values["offers-warmup"], 5, 0),
    },
    broadcast: {
      drivers: positiveInt("broadcast-drivers", values["broadcast-drivers"], 500),
      rounds: positiveInt("broadcast-rounds", values["broadcast-rounds"], 10),
      warmupRounds: positiveInt("broadcast-warmup", values["broadcast-warmup"], 5, 0),
    },
    idle: {
      connections: positiveInt("idle-connections", values["idle-connections"], 10_000),
      workers: positiveInt("idle-workers", values["idle-workers"], 4),
    },
    writes: {
      drivers: positiveInt("writers", values.writers, 100),
      seconds: positiveInt("writes-seconds", values["writes-seconds"], 10),
      pointsPerBatch: writesBatch,
      batchesPerSecond: positiveInt("writes-rate", values["writes-rate"], 11),
    },
    eventWrites: {
      writers: positiveInt("event-writers", values["event-writers"], 32),
      seconds: positiveInt("event-writes-seconds", values["event-writes-seconds"], 2),
      rounds: positiveInt("event-writes-rounds", values["event-writes-rounds"], 5),
    },
    calls: {
      count: positiveInt("calls-count", values["calls-count"], 3_000),
      concurrency: positiveInt("calls-concurrency", values["calls-concurrency"], 4),
    },
    sweep,
    sweepSeconds: positiveInt("sweep-seconds", values["sweep-seconds"], 15),
    databaseUrl: values["database-url"] ?? serverUrl(DEFAULT_DATABASE_URL),
    serverRoot: values["server-root"] ?? null,
    cpuProfile: values["cpu-prof"] ?? false,
    fromSource: values["from-source"] ?? false,
    serverNodeArgs: values["server-node-args"]?.split(" ").filter(Boolean) ?? [],
    keepDatabase: values["keep-database"] ?? false,
    label: values.label ?? "",
    reportsOver,
  };
}
