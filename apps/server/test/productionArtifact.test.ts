import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// What the Dockerfile builds, checked without a container engine: scripts/productionCheck.mjs
// runs the Dockerfile's own build script into a fresh directory and starts the result as the
// image's runtime stage does (see the script for its steps).

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const check = fileURLToPath(new URL("../../../scripts/productionCheck.mjs", import.meta.url));

describe("the production artifact (scripts/productionCheck.mjs)", () => {
  it("builds, installs production dependencies only, runs with node, refuses to start without DATABASE_URL, becomes ready, logs in and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [check], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));

    const steps = output.split("\n").filter((line) => line.startsWith("productionCheck: ok: ") || line.startsWith("productionCheck: FAILED"));
    expect({ code, steps: steps.map((line) => line.replace(/ \(\d+\.\d s\)$/, "")) }, output).toMatchObject({
      code: 0,
      steps: [
        expect.stringMatching(/^productionCheck: ok: assembled, \d+ production packages and no build tools, all readable$/),
        expect.stringContaining(
          "ok: without DATABASE_URL it refuses to start: convoy: Invalid environment: DATABASE_URL: must be set when NODE_ENV=production",
        ),
        expect.stringMatching(/^productionCheck: ok: \/(readyz|healthz) answers 200 on http:\/\/127\.0\.0\.1:\d+$/),
        "productionCheck: ok: the HEALTHCHECK command passes and the apps are served",
        "productionCheck: ok: dispatcher@convoy.test logged in over HTTP and the token is accepted",
        "productionCheck: ok: SIGTERM: drained and exited 0",
      ],
    });
  }, 300_000);
});
