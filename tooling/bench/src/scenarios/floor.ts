import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { track } from "../children";
import { CpuMeter, MachineCpuMeter } from "../proc";
import { sleep } from "../roles/clients";
import { TSX_LOADER } from "../serverProcess";
import { split, startWorkers, type BenchWorker } from "../workerPool";

/** The bare `ws` server, and the same traffic through tRPC's adapter with Convoy's procedures' shape. */
export type FloorKind = "ws" | "trpc";

/** The chat floor's servers: bare `ws`, and the same frames through tRPC (see `runChatFloor`). */
export type ChatFloorKind = "chat" | "trpcChat";

const FLOOR_SERVERS: Record<FloorKind | ChatFloorKind, string> = {
  ws: fileURLToPath(new URL("../floor/server.ts", import.meta.url)),
  trpc: fileURLToPath(new URL("../floor/trpcServer.ts", import.meta.url)),
  chat: fileURLToPath(new URL("../floor/chatServer.ts", import.meta.url)),
  trpcChat: fileURLToPath(new URL("../floor/trpcChatServer.ts", import.meta.url)),
};

export interface FloorSettings {
  drivers: number;
  dispatchers: number;
  riders: number;
  seconds: number;
}

export interface FloorResult {
  kind: FloorKind;
  drivers: number;
  dispatchers: number;
  riders: number;
  seconds: number;
  /** Reports the drivers sent per second (as offered: D per second), and answers and frames the server sent. */
  messagesInPerS: number;
  messagesOutPerS: number;
  /** The bare server's CPU over the window, % of one core. */
  serverCpuPct: number;
  /** The same in user mode (ws, JSON, the event loop) and in the kernel (socket reads and writes). */
  serverCpuSplit: { userPct: number; systemPct: number };
  /** Its CPU µs per message in or out. */
  usPerMessage: number;
  /**
   * Its CPU µs per delivery as the fleet counts them (every report reaching every
   * dispatcher): the floor under `fleet.serverUsPerDelivery` on this machine today.
   */
  usPerDelivery: number;
  /** CPU time the host took from this VM over the window (steal), % of one core. */
  stealPct: number;
}

/** Starts a floor server as its own process; resolves with its pid and URL. */
export async function startFloorServer(kind: FloorKind | ChatFloorKind): Promise<{ pid: number; url: string; stop: () => void }> {
  const child = fork(FLOOR_SERVERS[kind], [], { execArgv: ["--import", TSX_LOADER], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  track(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port: number }) => resolve(message.port));
    child.once("exit", (code) => reject(new Error(`floor server exited (${code}) before listening`)));
  });
  return { pid: child.pid!, url: `ws://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
}

/**
 * The socket floor: the fleet scenario's sockets and messages (D drivers reporting at 1 Hz
 * with answers, S dispatchers getting a frame every 100 ms, R riders getting their driver's
 * moves) through a bare `ws` server that does nothing else. What its CPU per delivery is,
 * no Convoy code can go below on this machine; it tells a slow machine from slow code.
 */
export async function runFloor(kind: FloorKind, settings: FloorSettings): Promise<FloorResult> {
  const server = await startFloorServer(kind);
  const driverWorkers = startWorkers(Math.min(4, Math.max(2, Math.ceil(settings.drivers / 750))));
  const receiverWorkers = startWorkers(2);
  const workers: BenchWorker[] = [...driverWorkers, ...receiverWorkers];
  try {
    const driverPairs = split(
      Array.from({ length: settings.drivers }, (_, i) => i),
      driverWorkers.length,
    );
    const riders = Math.min(settings.riders, settings.drivers);
    await Promise.all([
      ...driverPairs.map((pairs, i) => driverWorkers[i]!.call("floor.connect", { url: server.url, role: "driver", pairs })),
      receiverWorkers[0]!.call("floor.connect", {
        url: server.url,
        role: "dispatcher",
        pairs: Array.from({ length: settings.dispatchers }, (_, i) => i),
      }),
      receiverWorkers[1]!.call("floor.connect", { url: server.url, role: "rider", pairs: Array.from({ length: riders }, (_, i) => i) }),
    ]);

    const warmupMs = 2_000;
    const startAt = Date.now() + 500;
    const window = { start: startAt + warmupMs, end: startAt + warmupMs + settings.seconds * 1_000 };
    let offset = 0;
    const runs = driverPairs.map((pairs, i) => {
      const phase = { offset, total: settings.drivers };
      offset += pairs.length;
      return driverWorkers[i]!.call("floor.run", { startAt, stopAt: window.end, periodMs: 1_000, phase });
    });
    await sleep(window.start - Date.now());
    const cpu = new CpuMeter([server.pid]);
    const machineCpu = new MachineCpuMeter();
    const receivedBefore = await Promise.all(workers.map((worker) => worker.call("floor.received", null)));
    await sleep(window.end - Date.now());
    const cpuSplit = cpu.split();
    const cpuSeconds = cpuSplit.user + cpuSplit.system;
    const seconds = cpu.elapsedSeconds();
    const stealPct = machineCpu.stealPercent();
    const receivedAfter = await Promise.all(workers.map((worker) => worker.call("floor.received", null)));
    await Promise.all(runs);

    const messagesOut = receivedAfter.reduce((sum, count, i) => sum + count - receivedBefore[i]!, 0);
    const messagesIn = settings.drivers * seconds;
    const deliveries = settings.drivers * settings.dispatchers * seconds;
    return {
      kind,
      ...settings,
      riders,
      messagesInPerS: messagesIn / seconds,
      messagesOutPerS: messagesOut / seconds,
      serverCpuPct: (100 * cpuSeconds) / seconds,
      serverCpuSplit: { userPct: (100 * cpuSplit.user) / seconds, systemPct: (100 * cpuSplit.system) / seconds },
      usPerMessage: (cpuSeconds * 1e6) / (messagesIn + messagesOut),
      usPerDelivery: (cpuSeconds * 1e6) / deliveries,
      stealPct,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    server.stop();
  }
}
