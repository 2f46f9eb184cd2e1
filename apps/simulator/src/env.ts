import { z } from "zod";
import { DEMO_ACCOUNT_COUNTS, DEMO_PASSWORDS } from "@convoy/db/demo";

const envSchema = z.object({
  CONVOY_API_URL: z.url().default("http://127.0.0.1:3000"),
  /** How many demo drivers (driver1..driverN@convoy.test) to drive. */
  SIM_DRIVERS: z.coerce.number().int().min(1).max(DEMO_ACCOUNT_COUNTS.driver).default(12),
  /** The demo drivers' password, if the seed's was changed. */
  SIM_DRIVER_PASSWORD: z.string().default(DEMO_PASSWORDS.driver),
  /** Chance a simulated driver accepts an offer rather than rejecting it. */
  SIM_ACCEPT_PROBABILITY: z.coerce.number().min(0).max(1).default(0.6),
  /** Position report interval, ms. */
  SIM_TICK_MS: z.coerce.number().int().min(200).max(10_000).default(1_000),
  /** Driving speed, metres per second (about 45 km/h). */
  SIM_SPEED_MPS: z.coerce.number().positive().max(60).default(12.5),
});

export type SimulatorEnv = z.infer<typeof envSchema>;

/** The simulator's settings, validated once. */
export function loadEnv(): SimulatorEnv {
  return envSchema.parse(process.env);
}
