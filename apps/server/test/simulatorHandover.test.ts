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
  it("lets go of a driver a person signs in as, logs it, and cancels that driver's trip; stopping hands back the rest", async () => {
    const dispatcher = await t.as("dispatcher");
    const [sim1, sim2] = [simulatedDriverLogin(1), simulatedDriverLogin(2)];
    const [sim1Id, sim2Id] = await Promise.all([userIdOf(sim1.email), userIdOf(sim2.email)]);
    const details = (driverId: number) => dispatcher.api.drivers.byId.query({ driverId });

    // Slow driving keeps each trip en route for the whole test; every offer is accepted.
    const sim = startSimulator({ SIM_DRIVERS: "2", SIM_ACCEPT_PROBABILITY: "1", SIM_SPEED_MPS: "0.5" });
    await logged(sim, "simulator: 2 drivers moving");
    expect(sim.output()).toContain(`${sim1.email}: on the road`);
    expect(sim.output()).toContain(`${sim2.email}: on the road`);
    // Only its own accounts: the people's demo drivers are not touched.
    expect(sim.output()).not.toMatch(/driver\d+@convoy\.test/);
    await eventually(async () => ((await details(sim1Id)).availability === "available" ? true : undefined));

    // Each simulated driver wins a load and sets off.
    const offers = await Promise.all([sim1Id, sim2Id].map((id) => dispatcher.api.offers.create.mutate(smallLoad(id))));
    const trips = await Promise.all(
      [sim1Id, sim2Id].map((id) =>
        eventually(async () => {
          const trip = (await details(id)).currentTrip;
          return trip?.status === "en_route" ? trip : undefined;
        }, 30_000),
      ),
    );
    expect(trips.map((trip) => trip.kind)).toEqual(["load", "load"]);
    expect((await dispatcher.api.offers.byId.query({ offerId: offers[0]!.id })).acceptedDriverId).toBe(sim1Id);

    // A person signs in as sim1 and opens the driver app's position socket.
    const person = await t.login(sim1.email, sim1.password);
    const reporter = createPositionReporter({ url: t.url, token: person.token, WebSocket });
    reporters.push(reporter);

    await logged(sim, `${sim1.email}: letting go: someone else signed in as this driver`);
    await logged(sim, `${sim1.email}: cancelled trip ${trips[0]!.id}`);
    const handedBack = await dispatcher.api.trips.byId.query({ tripId: trips[0]!.id });
    expect(handedBack.status).toBe("cancelled");
    expect(handedBack.cancelReason).toContain(`${sim1.email} was taken off the simulator`);
    expect((await details(sim1Id)).currentTrip).toBeNull();
    // The person keeps the account: their socket is not taken back.
    await eventually(async () => (reporter.state === "open" ? true : undefined));
    // sim2 is still driven, its trip still under way.
    expect(sim.output()).not.toContain(`${sim2.email}: letting go`);
    expect((await details(sim2Id)).currentTrip).toMatchObject({ id: trips[1]!.id, status: "en_route" });

    // Stopping the simulator leaves no trip behind: sim2's is cancelled, and sim2 goes offline.
    sim.child.kill("SIGTERM");
    expect(await sim.exited).toBe(0);
    expect(sim.output()).toContain(`${sim2.email}: cancelled trip ${trips[1]!.id}`);
    expect(await dispatcher.api.trips.byId.query({ tripId: trips[1]!.id })).toMatchObject({ status: "cancelled" });
    expect(await details(sim2Id)).toMatchObject({ availability: "offline", currentTrip: null });
    expect(reporter.state).toBe("open");
  }, 120_000);
});
