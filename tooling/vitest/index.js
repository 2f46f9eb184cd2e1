// @ts-check
import { defineConfig } from "vitest/config";

/**
 * Shared Vitest settings. Integration tests talk to a real MySQL and real sockets,
 * so timeouts are generous and at most two files run at once on a 2-core machine.
 */
export const baseTestConfig = defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: process.env.CI ? ["verbose"] : ["default"],
  },
});
