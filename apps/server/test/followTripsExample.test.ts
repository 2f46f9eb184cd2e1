import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { and, events, eq, gt, max, or, type Database } from "@convoy/db";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { addRiders, area, rideInput } from "./support/tripFixtures";

// The README's second example, run as the real process it is: killed mid-stream, events
// produced while it is down, restarted, and its journal checked for every event once.

const t = useTestServer();
const clientDir = fileURLToPath(new URL("../../../packages/client", import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), "convoy-follow-trips-"));
const journal = join(workDir, "trips.jsonl");
const running = new Set<ChildProcess>();

afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
  rmSync(workDir, { recursive: true, force: true });
});

interface Follower {
  child: ChildProcess;
  /** Resolves with the first output line matching `pattern`. */
  line: (pattern: RegExp) => Promise<string>;
  /** Event ids printed so far. */
  seen: () => string[];
  exited: Promise<number | string>;
}

function startFollower(apiKey: string): Follower {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/followTrips.ts"], {
    cwd: clientDir,
    env: { ...process.env, CONVOY_URL: t.url, CONVOY_API_KEY: apiKey, TRIPS_JOURNAL: journal },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let pending = "";
  let errors = "";
  child.stdout.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split("\n");
    pending = complete.pop()!;
    lines.push(...complete);
    for (const check of waiters) check();
  });
  child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      for (const check of waiters) check();
      resolve(code ?? signal ?? "unknown");
    }),
  );
  return {
    child,
    exited,
    seen: () => lines.flatMap((line) => /^event (\d+) /.exec(line)?.[1] ?? []),
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((line) => pattern.test(line));
          if (found !== undefined) {
            waiters.delete(check);
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            reject(new Error(`the example exited before printing ${pattern}:\n${lines.join("\n")}\n${errors}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

/** Trip events a dispatcher may see after `afterId`, in id order: what the follower must journal. */
async function tripEventIds(db: Database, dispatcherId: number, afterId: number): Promise<string[]> {
  const rows = await db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.stream, "trips"), gt(events.id, afterId), or(eq(events.dispatcherId, dispatcherId), eq(events.allDispatchers, true))))
    .orderBy(events.id);
  return rows.map((row) => String(row.id));
}

/** Rides asked for where no driver is: each is requested and at once cancelled for want of a driver. */
async function requestRides(riders: LoggedInClient[], rounds: number, offset: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await Promise.all(riders.map((rider, i) => rider.api.trips.request.mutate(rideInput(area(40 + offset + round + i)))));
  }
}

describe("examples/followTrips.ts", () => {
  it("journals every trip event exactly once, in order, across a SIGKILL and a restart", async () => {
    const dispatcher = await t.as("dispatcher");
    const { key } = await dispatcher.api.apiKeys.create.mutate({ name: "trip follower", scopes: ["trips:read"] });
    const riders = await addRiders(t, 3);
    const [{ baseline }] = (await t.db.select({ baseline: max(events.id) }).from(events)) as [{ baseline: number | null }];

    const first = startFollower(key);
    expect(await first.line(/^following after /)).toBe("following after now");
    // Killed while events are still being made: some land before it dies, some after.
    const producing = requestRides(riders, 6, 0);
    await first.line(/^event /);
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    await producing;
    await requestRides(riders, 3, 10);

    const expected = await tripEventIds(t.db, dispatcher.userId, baseline ?? 0);
    expect(expected.length).toBeGreaterThanOrEqual(3 * 9);
    const second = startFollower(key);
    const resumedFrom = (await second.line(/^following after /)).slice("following after ".length);
    expect(expected).toContain(resumedFrom);
    await second.line(new RegExp(`^event ${expected.at(-1)!} `));
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    const journaled = readFileSync(journal, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(journaled).toEqual(expected);
    // The restart picked up right after the last line the killed process wrote.
    expect(second.seen()).toEqual(expected.slice(expected.indexOf(resumedFrom) + 1));
  });
});
