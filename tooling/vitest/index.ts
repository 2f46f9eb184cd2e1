import { defineConfig } from "vitest/config";

/**
 * Shared Vitest settings. Integration tests talk to a real MySQL and real sockets,
 * so timeouts are generous and files run one at a time on a 2-core machine.
 */
export const baseTestConfig = defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    poolOptions: { forks: { singleFork: false, maxForks: 2, minForks: 1 } },
    fileParallelism: true,
    reporters: process.env.CI ? ["verbose"] : ["default"],
  },
});
