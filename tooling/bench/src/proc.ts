import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time the process has used so far (all its threads), in seconds, from /proc/<pid>/stat:
 * in user mode (its own code, V8, GC) and in the kernel for it (socket reads and writes).
 * Resolution is one clock tick (10 ms).
 */
export function processCpuSeconds(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses; the fields start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of the full line (utime, stime) are 12 and 13 after "pid (comm) ".
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { user: utime / CLOCK_TICKS, system: stime / CLOCK_TICKS };
}

/** Resident set size now (VmRSS) and its peak (VmHWM), in KiB, from /proc/<pid>/status. */
export function processMemoryKiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/** CPU use of a set of processes between two moments, as % of one core. */
export class CpuMeter {
  private readonly start: Map<number, { user: number; system: number }>;
  private readonly startedAt = performance.now();

  constructor(private readonly pids: readonly number[]) {
    this.start = new Map(pids.map((pid) => [pid, safeCpu(pid)]));
  }

  /** CPU seconds (user + system) used since construction, summed over the processes still alive. */
  cpuSeconds(): number {
    const { user, system } = this.split();
    return user + system;
  }

  /** The same, user and system time apart. */
  split(): { user: number; system: number } {
    const total = { user: 0, system: 0 };
    for (const pid of this.pids) {
      const now = safeCpu(pid);
      const start = this.start.get(pid) ?? { user: 0, system: 0 };
      total.user += Math.max(0, now.user - start.user);
      total.system += Math.max(0, now.system - start.system);
    }
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

function safeCpu(pid: number): { user: number; system: number } {
  try {
    return processCpuSeconds(pid);
  } catch {
    return { user: 0, system: 0 };
  }
}

/**
 * Busy, stolen and total jiffies of the whole machine (all cores), from the first line of
 * /proc/stat: user nice system idle iowait irq softirq steal. Steal is time the hypervisor
 * gave this VM's virtual CPUs to someone else; it is kept apart from busy.
 */
function machineJiffies(): { busy: number; steal: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const steal = values[7] ?? 0;
  return { busy: total - idle - steal, steal, total };
}

/**
 * CPU use of the whole machine since construction, as % of one core (200 = both cores of a
 * 2-core machine). Compared with the benchmark's own processes it shows how much else ran.
 */
export class MachineCpuMeter {
  private readonly start = machineJiffies();
  private readonly startedAt = performance.now();

  /** Busy time of every process on the machine, steal not included. */
  percent(): number {
    return this.since((jiffies) => jiffies.busy);
  }

  /**
   * Time the host took from this VM's CPUs (steal), % of one core. High steal slows
   * everything the benchmark measures: a run with it is a run on a slower machine.
   */
  stealPercent(): number {
    return this.since((jiffies) => jiffies.steal);
  }

  private since(read: (jiffies: ReturnType<typeof machineJiffies>) => number): number {
    const seconds = (performance.now() - this.startedAt) / 1000;
    return (100 * (read(machineJiffies()) - read(this.start))) / CLOCK_TICKS / seconds;
  }
}

/** The pid of a running process whose command name is one of `names` (e.g. a local MySQL), or null. */
export function findProcess(names: readonly string[]): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, "utf8").trim())) return Number(entry);
    } catch {
      // Exited while listed.
    }
  }
  return null;
}
