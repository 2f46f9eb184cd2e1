import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { afterAll, describe, expect, it } from "vitest";
import { createPositionReporter, type PositionReporter } from "@convoy/client";
import { eq, simulatedDriverLogin, users } from "@convoy/db";
import { useTestServer } from "./support/harness";
import { loadInput } from "./support/offerFixtures";
import { eventually } from "./support/tracking";

// The real simulator process (apps/simulator) against a real server: it drives only its own
// accounts, and when a person signs in as one of them it lets go, saying so, and the trip it
// was driving is cancelled rather than left active with nobody driving it.

const simulatorDir = fileURLToPath(new URL("../../simulator", import.meta.url));
const t = useTestServer();

interface SimulatorProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string>;
}

const running: ChildProcess[] = [];
const reporters: PositionReporter[] = [];
afterAll(() => {
  for (const reporter of reporters) reporter.close();
  for (const child of running) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Node with tsx as a loader, so the pid is the simulator's own and a signal reaches it. */
function startSimulator(env: Record<string, string>): SimulatorProcess {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: simulatorDir,
    env: { ...process.env, CONVOY_API_URL: t.url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  return { child, output: () => output, exited };
}

async function logged(sim: SimulatorProcess, text: string, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => (sim.output().includes(text) ? true : undefined), timeoutMs, `the simulator to log "${text}":\n${sim.output()}`);
}

async function userIdOf(email: string): Promise<number> {
  const [row] = await t.db.select({ id: users.id }).from(users).where(eq(users.email, email));
  return row!.id;
}

/** A small load the simulated driver will accept; its pickup is far enough that the trip stays under way. */
const smallLoad = (driverId: number) => loadInput([driverId], { weightKg: 100, dimensions: { lengthCm: 50, widthCm: 40, heightCm: 30 } });

describe("the simulator", () => {
  it("lets go of a driver a person signs in as, or whose session ends, logs it and cancels its trip; stopping hands back the rest", async () => {
    const dispatcher = await t.as("dispatcher");
    const sims = [simulatedDriverLogin(1), simulatedDriverLogin(2), simulatedDriverLogin(3)];
    const ids = await Promise.all(sims.map((login) => userIdOf(login.email)));
    const details = (driverId: number) => dispatcher.api.drivers.byId.query({ driverId });

    // Slow driving keeps each trip en route for the whole test; every offer is accepted.
    const sim = startSimulator({ SIM_DRIVERS: "3", SIM_ACCEPT_PROBABILITY: "1", SIM_SPEED_MPS: "0.5" });
    await logged(sim, "simulator: 3 drivers moving");
    for (const login of sims) expect(sim.output()).toContain(`${login.email}: on the road`);
    // Only its own accounts: the people's demo drivers are not touched.
    expect(sim.output()).not.toMatch(/driver\d+@convoy\.test/);
    for (const id of ids) await eventually(async () => ((await details(id)).availability === "available" ? true : undefined));

    // Each simulated driver wins a load and sets off.
    const offers = await Promise.all(ids.map((id) => dispatcher.api.offers.create.mutate(smallLoad(id))));
    const trips = await Promise.all(
      ids.map((id) =>
        eventually(async () => {
          const trip = (await details(id)).currentTrip;
          return trip?.status === "en_route" ? trip : undefined;
        }, 30_000),
      ),
    );
    expect(trips.map((trip) => trip.kind)).toEqual(["load", "load", "load"]);
    expect((await dispatcher.api.offers.byId.query({ offerId: offers[0]!.id })).acceptedDriverId).toBe(ids[0]);

    // A person signs in as sim1 and opens the driver app's position socket.
    const person = await t.login(sims[0]!.email, sims[0]!.password);
    const reporter = createPositionReporter({ url: t.url, token: person.token, WebSocket });
    reporters.push(reporter);
    await logged(sim, `${sims[0]!.email}: letting go: someone else signed in as this driver`);
    await logged(sim, `${sims[0]!.email}: cancelled trip ${trips[0]!.id}`);
    const handedBack = await dispatcher.api.trips.byId.query({ tripId: trips[0]!.id });
    expect(handedBack.status).toBe("cancelled");
    expect(handedBack.cancelReason).toContain(`${sims[0]!.email} was taken off the simulator`);
    expect((await details(ids[0]!)).currentTrip).toBeNull();
    // The person keeps the account: their socket is not taken back.
    await eventually(async () => (reporter.state === "open" ? true : undefined));

    // Someone signs sim2 out everywhere: its session is over, so the simulator lets go of it too.
    const other = await t.login(sims[1]!.email, sims[1]!.password);
    await other.api.auth.logoutEverywhere.mutate();
    await logged(sim, `${sims[1]!.email}: letting go: its session ended (logged_out_everywhere)`);
    await logged(sim, `${sims[1]!.email}: cancelled trip ${trips[1]!.id}`);
    expect(await dispatcher.api.trips.byId.query({ tripId: trips[1]!.id })).toMatchObject({ status: "cancelled" });

    // sim3 is still driven, its trip still under way.
    expect(sim.output()).not.toContain(`${sims[2]!.email}: letting go`);
    expect((await details(ids[2]!)).currentTrip).toMatchObject({ id: trips[2]!.id, status: "en_route" });

    // Stopping the simulator leaves no trip behind: sim3's is cancelled, and sim3 goes offline.
    sim.child.kill("SIGTERM");
    expect(await sim.exited).toBe(0);
    expect(sim.output()).toContain(`${sims[2]!.email}: cancelled trip ${trips[2]!.id}`);
    expect(await dispatcher.api.trips.byId.query({ tripId: trips[2]!.id })).toMatchObject({ status: "cancelled" });
    expect(await details(ids[2]!)).toMatchObject({ availability: "offline", currentTrip: null });
    expect(reporter.state).toBe("open");
  }, 120_000);
});
