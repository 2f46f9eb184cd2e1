import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time the process has used so far (user + system, all its threads), in seconds, from
 * /proc/<pid>/stat. Resolution is one clock tick (10 ms).
 */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses; the fields start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of the full line (utime, stime) are 12 and 13 after "pid (comm) ".
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS;
}

/** Resident set size now (VmRSS) and its peak (VmHWM), in KiB, from /proc/<pid>/status. */
export function processMemoryKiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/** CPU use of a set of processes between two moments, as % of one core. */
export class CpuMeter {
  private readonly start: Map<number, number>;
  private readonly startedAt = performance.now();

  constructor(private readonly pids: readonly number[]) {
    this.start = new Map(pids.map((pid) => [pid, safeCpu(pid)]));
  }

  /** CPU seconds used since construction, summed over the processes still alive. */
  cpuSeconds(): number {
    let total = 0;
    for (const pid of this.pids) total += Math.max(0, safeCpu(pid) - (this.start.get(pid) ?? 0));
    return total;
  }

  /** Wall seconds since construction. */
  elapsedSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** % of one core since construction (200 = both cores of this machine). */
  percent(): number {
    return (100 * this.cpuSeconds()) / this.elapsedSeconds();
  }
}

function safeCpu(pid: number): number {
  try {
    return processCpuSeconds(pid);
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of the whole machine (all cores), from the first line of /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * CPU use of the whole machine since construction, as % of one core (200 = both cores of a
 * 2-core machine). Compared with the benchmark's own processes it shows how much else ran.
 */
export class MachineCpuMeter {
  private readonly start = machineJiffies();
  private readonly startedAt = performance.now();

  percent(): number {
    const now = machineJiffies();
    const seconds = (performance.now() - this.startedAt) / 1000;
    return (100 * (now.busy - this.start.busy)) / CLOCK_TICKS / seconds;
  }
}
