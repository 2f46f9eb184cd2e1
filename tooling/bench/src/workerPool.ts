import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { track } from "./children";
import type { MethodArgs, MethodName, MethodResult, WorkerRequest, WorkerResponse } from "./protocol";
import { TSX_LOADER } from "./serverProcess";

const WORKER_ENTRY = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** One forked load-generator process and a typed way to call it. */
export class BenchWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (response: WorkerResponse) => {
      const waiter = this.waiting.get(response.id);
      if (!waiter) return;
      this.waiting.delete(response.id);
      if (response.ok) waiter.resolve(response.value);
      else waiter.reject(new Error(`worker ${this.pid}: ${response.error}`));
    });
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        for (const waiter of this.waiting.values()) waiter.reject(new Error(`worker ${this.pid} exited (${signal ?? code})`));
        this.waiting.clear();
        resolve();
      }),
    );
  }

  /** Forks a worker running TypeScript through tsx, with structured-clone IPC. */
  static start(): BenchWorker {
    const child = fork(WORKER_ENTRY, [], {
      execArgv: ["--import", TSX_LOADER, ...(process.env.BENCH_WORKER_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`] : [])],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    track(child);
    return new BenchWorker(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Awaited<MethodResult<M>>> {
    const id = this.nextId++;
    const request = { id, method, args } as WorkerRequest;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send(request, (error) => {
        if (!error) return;
        this.waiting.delete(id);
        reject(error);
      });
    });
  }

  /** Closes the worker's clients, then ends the process (SIGKILL if it lingers). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      await Promise.race([this.call("close", null), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    } catch {
      // Already gone.
    }
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Starts `count` workers. */
export function startWorkers(count: number): BenchWorker[] {
  return Array.from({ length: count }, () => BenchWorker.start());
}

/** Splits `items` into `parts` nearly equal consecutive slices. */
export function split<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  return Array.from({ length: parts }, (_, i) => items.slice(i * size, (i + 1) * size)).filter((part) => part.length > 0);
}
