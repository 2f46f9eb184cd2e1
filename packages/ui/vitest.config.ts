import { defineConfig, mergeConfig } from "vitest/config";
import { baseTestConfig } from "@convoy/vitest-config";

export default mergeConfig(baseTestConfig, defineConfig({ test: { include: ["src/**/*.test.ts"] } }));
