import { z } from "zod";
import { DEMO_PASSWORDS, demoLogin, SIMULATED_DRIVER_COUNT } from "@convoy/db/demo";

const envSchema = z.object({
  CONVOY_API_URL: z.url().default("http://127.0.0.1:3000"),
  /** How many of the simulator's own drivers (sim1..simN@convoy.test) to drive; never the people's demo drivers. */
  SIM_DRIVERS: z.coerce.number().int().min(1).max(SIMULATED_DRIVER_COUNT).default(SIMULATED_DRIVER_COUNT),
  /** The simulated drivers' password, if the seed's was changed. */
  SIM_DRIVER_PASSWORD: z.string().default(DEMO_PASSWORDS.driver),
  /**
   * The dispatcher account that cancels the trip of a driver the simulator lets go of
   * (drivers cannot cancel trips themselves), so no trip is left with nobody driving it.
   */
  SIM_DISPATCHER_EMAIL: z.email().default(demoLogin("dispatcher").email),
  SIM_DISPATCHER_PASSWORD: z.string().default(DEMO_PASSWORDS.dispatcher),
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
