import { demoLogin } from "@convoy/db/demo";
import { loadEnv } from "./env";
import { SimulatedDriver } from "./driver";

const env = loadEnv();
const drivers = Array.from({ length: env.SIM_DRIVERS }, (_, i) => new SimulatedDriver(demoLogin("driver", i + 1).email, env));

for (const driver of drivers) {
  await driver.start().catch((error: unknown) => {
    process.stderr.write(`simulator: could not start a driver: ${error instanceof Error ? error.message : String(error)}\n`);
  });
}
process.stdout.write(`simulator: ${drivers.length} drivers moving (Ctrl+C to stop)\n`);

const stop = () => void Promise.allSettled(drivers.map((driver) => driver.stop())).then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
