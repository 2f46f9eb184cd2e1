import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BroadcastResult } from "./scenarios/broadcast";
import { sequentialCell, type CallsResult } from "./scenarios/calls";
import type { ChatResult } from "./scenarios/chat";
import type { OffersResult } from "./scenarios/offers";
import type { FleetResult } from "./scenarios/fleet";
import type { FloorResult } from "./scenarios/floor";
import type { IdleResult } from "./scenarios/idle";
import type { WritesResult } from "./scenarios/writes";
import type { EventWritesResult } from "./scenarios/eventWrites";
import { round } from "./stats";

export interface BenchResults {
  timestamp: string;
  label: string;
  commit: string;
  /** `git status --porcelain` lines under apps/ and packages/ when the run built its server. */
  uncommitted: string[];
  /** `loadAverage`: the 1-minute load average at the start and at the end (2 = both cores busy). */
  machine: { cpus: number; cpuModel: string; node: string; mysql: string; loadAverage: { start: number; end: number } };
  options: unknown;
  wallSeconds: number;
  setup: { users: number; logins: number; loginsPerS: number };
  fleet?: FleetResult;
  /** The socket floor: the fleet's traffic on a bare `ws` server. */
  floor?: FloorResult;
  /** The same traffic through tRPC's adapter with Convoy's procedures' shape and encoder. */
  trpcFloor?: FloorResult;
  /** Chat at the default rate (1,000 msg/s). */
  chat?: ChatResult;
  /** Chat at the rate the targets are judged at (2,000 msg/s). */
  chatAtTarget?: ChatResult;
  /** The chat's threads, frames and target rate on a bare `ws` server: the floor under chat's CPU per message. */
  chatFloor?: ChatResult;
  /** The same through tRPC's adapter with procedures shaped as Convoy's and no work behind them. */
  trpcChatFloor?: ChatResult;
  /** `--sweep-chat`: chat alone at each rate. */
  chatSweep?: ChatResult[];
  offers?: OffersResult;
  broadcast?: BroadcastResult;
  idle?: IdleResult;
  writes?: WritesResult;
  /** Event-writing transactions per second, ids from one locked row and from AUTO_INCREMENT. */
  eventWrites?: EventWritesResult;
  /** Server CPU per call, by procedure, transport and concurrency. */
  calls?: CallsResult;
  sweep?: FleetResult[];
  server: { rssMiB: number };
  targets: TargetCheck[];
}

export interface TargetCheck {
  metric: string;
  value: number | null;
  target: string;
  met: boolean | null;
}

interface Target {
  metric: string;
  read: (results: BenchResults) => number | null | undefined;
  /** `max`: value must be ≤ limit; `min`: value must be ≥ limit. */
  kind: "max" | "min";
  limit: number;
  unit: string;
}

const TARGETS: Target[] = [
  { metric: "fleet.latencyMs.p99", read: (r) => r.fleet?.latencyMs.p99, kind: "max", limit: 150, unit: "ms" },
  { metric: "fleet.riderLatencyMs.p99", read: (r) => r.fleet?.riderLatencyMs.p99, kind: "max", limit: 150, unit: "ms" },
  { metric: "fleet.serverUsPerDelivery", read: (r) => r.fleet?.serverUsPerDelivery, kind: "max", limit: 2, unit: "µs" },
  { metric: "fleet.lostFinalPositions", read: (r) => r.fleet?.lostFinalPositions, kind: "max", limit: 0, unit: "" },
  { metric: "chatAtTarget.latencyMs.p99", read: (r) => targetChat(r)?.latencyMs.p99, kind: "max", limit: 50, unit: "ms" },
  { metric: "chatAtTarget.typingLatencyMs.p99", read: (r) => targetChat(r)?.typingLatencyMs.p99, kind: "max", limit: 50, unit: "ms" },
  { metric: "chatAtTarget.serverCpuMsPerMessage", read: (r) => targetChat(r)?.serverCpuMsPerMessage, kind: "max", limit: 0.3, unit: "ms" },
  { metric: "offers.lastRecipientMs.p99", read: (r) => r.offers?.lastRecipientMs.p99, kind: "max", limit: 100, unit: "ms" },
  { metric: "offers.acceptToDispatcherMs.p99", read: (r) => r.offers?.acceptToDispatcherMs.p99, kind: "max", limit: 100, unit: "ms" },
  { metric: "broadcast.allReceivedMs.p99", read: (r) => r.broadcast?.allReceivedMs.p99, kind: "max", limit: 100, unit: "ms" },
  { metric: "idle.serverKiBPerConn", read: (r) => r.idle?.serverKiBPerConn, kind: "max", limit: 25, unit: "KiB" },
  { metric: "writes.rowsPerS", read: (r) => r.writes?.rowsPerS, kind: "min", limit: 20_000, unit: "rows/s" },
  { metric: "eventWrites.ratio", read: (r) => r.eventWrites?.ratio, kind: "min", limit: 3, unit: "×" },
  {
    metric: "calls.authMe.http.serverCpuMsPerCall",
    read: (r) => sequentialCell(r.calls, "auth.me", "http")?.serverCpuMsPerCall,
    kind: "max",
    limit: 0.3,
    unit: "ms",
  },
  {
    metric: "calls.authMe.socket.serverCpuMsPerCall",
    read: (r) => sequentialCell(r.calls, "auth.me", "socket")?.serverCpuMsPerCall,
    kind: "max",
    limit: 0.3,
    unit: "ms",
  },
];

/** Messages per second the chat targets are judged at. */
export const CHAT_TARGET_RATE = 2_000;

/** The chat run at the target rate: its own run, or the default one when that ran at the target rate already. */
function targetChat(results: BenchResults): ChatResult | undefined {
  if (results.chatAtTarget) return results.chatAtTarget;
  return results.chat && results.chat.offeredPerS >= CHAT_TARGET_RATE ? results.chat : undefined;
}

/** Each target with the measured value and whether it was met (null: not measured). */
export function checkTargets(results: BenchResults): TargetCheck[] {
  return TARGETS.map((target) => {
    const value = target.read(results);
    const measured = typeof value === "number" && Number.isFinite(value);
    return {
      metric: target.metric,
      value: measured ? round(value) : null,
      target: `${target.kind === "max" ? "≤" : "≥"} ${target.limit.toLocaleString("en-US")}${target.unit ? ` ${target.unit}` : ""}`,
      met: measured ? (target.kind === "max" ? value <= target.limit : value >= target.limit) : null,
    };
  });
}

const fmt = (value: number | null | undefined): string =>
  value === null || value === undefined || !Number.isFinite(value) ? "—" : round(value).toLocaleString("en-US");

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ");
  return [line(rows[0]!), widths.map((width) => "-".repeat(width)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** The human summary: every headline figure, its target and whether it was met. */
export function formatSummary(results: BenchResults): string {
  const rows: string[][] = [["metric", "value", "target", ""]];
  const add = (metric: string, value: number | null | undefined, note = "") => {
    const check = results.targets.find((target) => target.metric === metric);
    const mark = check?.met === true ? "ok" : check?.met === false ? "MISSED" : check ? "not measured" : "";
    rows.push([metric, fmt(value), check?.target ?? "", `${mark}${note ? ` ${note}` : ""}`.trim()]);
  };
  const { fleet, floor, trpcFloor, chat, broadcast, idle, writes, eventWrites, calls } = results;
  if (fleet) {
    add("fleet.ingestPerS", fleet.ingestPerS);
    add("fleet.deliveriesPerS", fleet.deliveriesPerS);
    add("fleet.latencyMs.p50", fleet.latencyMs.p50);
    add("fleet.latencyMs.p95", fleet.latencyMs.p95);
    add("fleet.latencyMs.p99", fleet.latencyMs.p99);
    add(
      "fleet.riderLatencyMs.p99",
      fleet.riderLatencyMs.p99,
      fleet.riders.notMeasured ? `(${fleet.riders.notMeasured})` : `(${fleet.riders.following} riders)`,
    );
    add("fleet.serverCpuPct", fleet.serverCpuPct);
    add("fleet.serverUsPerDelivery", fleet.serverUsPerDelivery);
    add("fleet.serverCpuSplit.userPct", fleet.serverCpuSplit.userPct, "(Convoy, tRPC, V8, GC)");
    add("fleet.serverCpuSplit.systemPct", fleet.serverCpuSplit.systemPct, "(kernel: socket reads and writes)");
    add("fleet.serverCpuSplit.userUsPerReport", fleet.serverCpuSplit.userUsPerReport);
    add("fleet.lostFinalPositions", fleet.lostFinalPositions);
    add("fleet.loadGeneratorCpuPct", fleet.loadGeneratorCpuPct);
    add("fleet.otherCpuPct", fleet.otherCpuPct, "(MySQL and anything else running)");
    add("fleet.stealPct", fleet.stealPct, "(CPU the host took from this VM)");
  }
  if (floor) {
    add("floor.serverCpuPct", floor.serverCpuPct, "(bare ws server, the fleet's sockets and messages)");
    add("floor.serverCpuSplit.userPct", floor.serverCpuSplit.userPct);
    add("floor.serverCpuSplit.systemPct", floor.serverCpuSplit.systemPct);
    add("floor.usPerDelivery", floor.usPerDelivery, "(what this machine charges for them alone)");
    add("floor.stealPct", floor.stealPct, "(CPU the host took from this VM)");
  }
  if (trpcFloor) {
    add("trpcFloor.usPerDelivery", trpcFloor.usPerDelivery, "(the same through tRPC: no auth, database or Convoy logic)");
    add("trpcFloor.serverCpuSplit.userPct", trpcFloor.serverCpuSplit.userPct);
    add("trpcFloor.stealPct", trpcFloor.stealPct);
  }
  const chatRow = (name: string, run: ChatResult | undefined) => {
    if (!run) return;
    const load = `(${fmt(run.messagesPerS)} of ${fmt(run.offeredPerS)} msg/s, ${fmt(run.threads)} threads; p50 ${fmt(run.latencyMs.p50)} ms; ${fmt(run.serverCpuPct)} % server CPU)`;
    add(`${name}.latencyMs.p99`, run.latencyMs.p99, load);
    add(
      `${name}.typingLatencyMs.p99`,
      run.typingLatencyMs.p99,
      `(busiest load process ${fmt(run.loadGenerator.cpuPct)} % CPU, event-loop delay p99 ${fmt(run.loadGenerator.loopDelayP99Ms)} ms)`,
    );
    add(
      `${name}.serverCpuMsPerMessage`,
      run.serverCpuMsPerMessage,
      Object.keys(run.errors).length > 0 ? `(errors: ${JSON.stringify(run.errors)})` : "",
    );
  };
  chatRow("chat", chat);
  chatRow("chatAtTarget", results.chatAtTarget);
  if (results.chatFloor) {
    const floor = results.chatFloor;
    add(
      "chatFloor.serverCpuMsPerMessage",
      floor.serverCpuMsPerMessage,
      `(bare ws server, the chat's frames alone: ${fmt(floor.messagesPerS)} msg/s, p99 ${fmt(floor.latencyMs.p99)} ms, ${fmt(floor.serverCpuPct)} % CPU)`,
    );
  }
  if (results.trpcChatFloor) {
    const floor = results.trpcChatFloor;
    add(
      "trpcChatFloor.serverCpuMsPerMessage",
      floor.serverCpuMsPerMessage,
      `(the same through tRPC, no Convoy logic: ${fmt(floor.messagesPerS)} msg/s, p99 ${fmt(floor.latencyMs.p99)} ms, ${fmt(floor.serverCpuPct)} % CPU)`,
    );
  }
  if (results.offers) {
    const offers = results.offers;
    const load = `(${fmt(offers.offersPerS)} of ${fmt(offers.offeredPerS)} offers/s to ${fmt(offers.recipients)} of ${fmt(offers.drivers)} drivers; ${fmt(offers.incomplete)} incomplete; ${fmt(offers.serverCpuMsPerOffer)} ms server CPU per offer${offers.mysqlCpuMsPerOffer === null ? "" : `, ${fmt(offers.mysqlCpuMsPerOffer)} ms MySQL`})`;
    add("offers.lastRecipientMs.p99", offers.lastRecipientMs.p99, load);
    add("offers.createAnsweredMs.p99", offers.createAnsweredMs.p99, "(the create's own answer: the part before delivery)");
    add("offers.acceptAnsweredMs.p99", offers.acceptAnsweredMs.p99, "(the accept's own answer)");
    if (offers.cold) {
      const cold = offers.cold;
      add(
        "offers.cold.lastRecipientMs.p99",
        cold.lastRecipientMs.p99,
        `(the unmeasured first ${fmt(cold.seconds)} s on the fresh server; accept → dispatcher p99 ${fmt(cold.acceptToDispatcherMs.p99)} ms; ${fmt(cold.incomplete)} incomplete)`,
      );
    }
    add(
      "offers.acceptToDispatcherMs.p99",
      offers.acceptToDispatcherMs.p99,
      Object.keys(offers.errors).length > 0 ? `(errors: ${JSON.stringify(offers.errors)})` : "",
    );
  }
  if (broadcast) add("broadcast.allReceivedMs.p99", broadcast.allReceivedMs.p99, `(${broadcast.offersPerRound} offers per round)`);
  if (idle) {
    add("idle.serverKiBPerConn", idle.serverKiBPerConn, `(${fmt(idle.connections)} connections)`);
    add("idle.queryMs.p99", idle.queryMs.p99);
  }
  if (writes) add("writes.rowsPerS", writes.rowsPerS);
  if (eventWrites) {
    const detail = (mode: EventWritesResult["singleRow"]) =>
      `p99 ${fmt(mode.txMs.p99)} ms; CPU per tx: writers ${fmt(mode.clientCpuMsPerTx)} ms, MySQL ${fmt(mode.mysqlCpuMsPerTx)} ms; ${fmt(mode.committed - mode.rowsStored)} lost`;
    add(
      "eventWrites.singleRow.txPerS",
      eventWrites.singleRow.txPerS,
      `(${eventWrites.writers} writers, ids from one row locked to commit; ${detail(eventWrites.singleRow)})`,
    );
    add(
      "eventWrites.autoIncrement.txPerS",
      eventWrites.autoIncrement.txPerS,
      `(appendEvents, AUTO_INCREMENT, a transaction per call; ${fmt(eventWrites.autoIncrementRatio)}× single row; ${detail(eventWrites.autoIncrement)})`,
    );
    add(
      "eventWrites.grouped.txPerS",
      eventWrites.grouped.txPerS,
      `(calls committed by GroupCommit, ${fmt(eventWrites.groupedCallsPerTx)} per transaction; ${detail(eventWrites.grouped)})`,
    );
    const perRound = eventWrites.grouped.roundTxPerS.map((txPerS, i) => fmt(txPerS / eventWrites.singleRow.roundTxPerS[i]!)).join(", ");
    add("eventWrites.ratio", eventWrites.ratio, `(grouped ÷ single row, median of ${eventWrites.rounds} rounds: ${perRound})`);
    add("eventWrites.otherCpuPct", eventWrites.otherCpuPct, `(everything else on the machine; steal ${fmt(eventWrites.stealPct)} %)`);
  }
  if (calls) {
    add("calls.authMe.http.serverCpuMsPerCall", sequentialCell(calls, "auth.me", "http")?.serverCpuMsPerCall, "(one call at a time)");
    add("calls.authMe.socket.serverCpuMsPerCall", sequentialCell(calls, "auth.me", "socket")?.serverCpuMsPerCall, "(one call at a time)");
  }
  add("server.rssMiB", results.server.rssMiB);
  return table(rows);
}

/** Server CPU per call for every procedure, transport and concurrency of the `calls` scenario. */
export function formatCalls(calls: CallsResult): string {
  const rows = [
    ["procedure", "transport", "at once", "calls", "server CPU ms/call", "raw ms/call", "raw user ms/call", "calls/s", "p50 ms", "p99 ms", "errors"],
  ];
  for (const cell of calls.cells) {
    const errors = Object.entries(cell.errors)
      .map(([code, count]) => `${code} ${count}`)
      .join(", ");
    rows.push([
      cell.procedure,
      cell.transport,
      fmt(cell.concurrency),
      fmt(cell.calls),
      fmt(cell.serverCpuMsPerCall),
      fmt(cell.rawServerCpuMsPerCall),
      fmt(cell.serverUserMsPerCall),
      fmt(cell.callsPerS),
      fmt(cell.latencyMs.p50),
      fmt(cell.latencyMs.p99),
      errors || "0",
    ]);
  }
  return `${table(rows)}
(server CPU: less the idle server's ${fmt(calls.idleServerCpuPct)} % of a core over the same time; raw: as read from /proc)`;
}

/** How CPU and latency grow with the number of drivers. */
export function formatSweep(sweep: readonly FleetResult[]): string {
  const rows = [
    [
      "drivers",
      "ingest/s",
      "deliveries/s",
      "server CPU %",
      "µs/delivery",
      "p50 ms",
      "p99 ms",
      "rider p99 ms",
      "lost",
      "loadgen CPU %",
      "other CPU %",
      "steal %",
    ],
  ];
  for (const run of sweep) {
    rows.push([
      fmt(run.drivers),
      fmt(run.ingestPerS),
      fmt(run.deliveriesPerS),
      fmt(run.serverCpuPct),
      fmt(run.serverUsPerDelivery),
      fmt(run.latencyMs.p50),
      fmt(run.latencyMs.p99),
      fmt(run.riderLatencyMs.p99),
      fmt(run.lostFinalPositions),
      fmt(run.loadGeneratorCpuPct),
      fmt(run.otherCpuPct),
      fmt(run.stealPct),
    ]);
  }
  return table(rows);
}

/** The chat sweep as a table: how latency and CPU grow with the rate. */
export function formatChatSweep(sweep: readonly ChatResult[]): string {
  const rows = [
    [
      "offered msg/s",
      "sent msg/s",
      "p50 ms",
      "p99 ms",
      "typing p99 ms",
      "server CPU %",
      "ms CPU/msg",
      "peak RSS MiB",
      "load CPU %",
      "load loop p99 ms",
      "errors",
    ],
  ];
  for (const run of sweep) {
    const errors = Object.values(run.errors).reduce((sum, count) => sum + count, 0);
    rows.push([
      fmt(run.offeredPerS),
      fmt(run.messagesPerS),
      fmt(run.latencyMs.p50),
      fmt(run.latencyMs.p99),
      fmt(run.typingLatencyMs.p99),
      fmt(run.serverCpuPct),
      fmt(run.serverCpuMsPerMessage),
      fmt(run.serverPeakRssMiB),
      fmt(run.loadGenerator.cpuPct),
      fmt(run.loadGenerator.loopDelayP99Ms),
      fmt(errors),
    ]);
  }
  return table(rows);
}

/** Writes the results as one JSON object, numbers rounded, NaN as null. Returns the path. */
export function writeResults(directory: string, results: BenchResults): string {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${results.timestamp.replace(/[:.]/g, "-")}.json`);
  const json = JSON.stringify(
    results,
    (_key, value: unknown) => (typeof value === "number" ? (Number.isFinite(value) ? round(value) : null) : value),
    2,
  );
  writeFileSync(path, `${json}\n`);
  return path;
}
