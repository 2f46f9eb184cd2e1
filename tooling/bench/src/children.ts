import type { ChildProcess } from "node:child_process";

/** Every process the benchmark started and has not seen exit: servers and workers. */
const running = new Set<ChildProcess>();

/** Tracks `child` until it exits, so an interrupted run can end it. */
export function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
}

/** Kills (SIGKILL) every tracked process that is still running. */
export function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}
