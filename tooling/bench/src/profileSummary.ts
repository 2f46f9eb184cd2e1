/**
 * Prints where a V8 CPU profile (`--cpu-prof`, or `pnpm bench --cpu-prof`) spent its time:
 * the top functions by self time, and self time per package. Usage:
 *   pnpm --filter @convoy/bench exec tsx src/profileSummary.ts <file.cpuprofile> [top=30] [skipSeconds=0] [untilSeconds]
 * `skipSeconds` leaves out the start (module loading, migrations) so the steady state shows;
 * `untilSeconds` ends the window there (a fleet profile also holds the riders' setup and the drain).
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** "drizzle-orm", "@trpc/server", "packages/api", "node:internal", … from a script URL. */
function packageOf(url: string): string {
  if (url === "") return "(native/gc/idle)";
  if (url.startsWith("node:")) return "node:internal";
  const modules = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const workspace = /\/(apps|packages|tooling)\/([^/]+)\//.exec(url);
  return workspace ? `${workspace[1]}/${workspace[2]}` : url;
}

function main(): void {
  const [file, topArg, skipArg, untilArg] = process.argv.slice(2);
  if (!file) throw new Error("usage: profileSummary <file.cpuprofile> [top] [skipSeconds] [untilSeconds]");
  const top = Number(topArg ?? 30);
  const skipMicros = Number(skipArg ?? 0) * 1e6;
  const untilMicros = untilArg === undefined ? Number.POSITIVE_INFINITY : Number(untilArg) * 1e6;
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfMicros = new Map<number, number>();
  let elapsed = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    elapsed += delta;
    if (elapsed >= skipMicros && elapsed < untilMicros) selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const total = Math.min(profile.endTime - profile.startTime, untilMicros) - Math.min(skipMicros, elapsed);

  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") {
      idle += micros;
      continue;
    }
    const name = describe(frame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    // Each frame on the stack once, so recursion is not counted twice.
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) onStack.add(describe(byId.get(at)!.callFrame));
    for (const entry of onStack) inclusive.set(entry, (inclusive.get(entry) ?? 0) + micros);
    const pkg = frame.functionName.startsWith("(") ? frame.functionName : packageOf(frame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  const busy = total - idle;
  const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1).padStart(5)} %`;
  process.stdout.write(
    `profile ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(2)} s (${((100 * busy) / total).toFixed(1)} % of one core)\n\n`,
  );
  process.stdout.write("self time by package\n");
  for (const [name, micros] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`  ${pct(micros)}  ${name}\n`);
  process.stdout.write(`\ntop ${top} functions by self time\n`);
  for (const [name, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(micros)}  ${name}\n`);
  process.stdout.write(`\ntop ${top} functions by inclusive time\n`);
  const interesting = [...inclusive].filter(([name]) => !name.startsWith("(root)") && !name.startsWith("(program)"));
  for (const [name, micros] of interesting.sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(micros)}  ${name}\n`);
}

function describe(frame: ProfileNode["callFrame"]): string {
  const where = frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(apps|packages|tooling)\//, "$1/");
  return `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
}

main();
