import { simulatedDriverLogin } from "@convoy/db/demo";
import { loadEnv } from "./env";
import { SimulatedDriver } from "./driver";

const env = loadEnv();
// Only the simulator's own accounts: the people's demo drivers stay free for people.
const emails = Array.from({ length: env.SIM_DRIVERS }, (_, i) => simulatedDriverLogin(i + 1).email);
const drivers = emails.map((email) => new SimulatedDriver(email, env));

for (const [i, driver] of drivers.entries()) {
  await driver.start().catch((error: unknown) => {
    process.stderr.write(`simulator: could not start ${emails[i]}: ${error instanceof Error ? error.message : String(error)}\n`);
  });
}
process.stdout.write(`simulator: ${drivers.length} drivers moving (Ctrl+C to stop)\n`);

const stop = () => void Promise.allSettled(drivers.map((driver) => driver.stop())).then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
