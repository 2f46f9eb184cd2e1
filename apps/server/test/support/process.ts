import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../src/ports";
import { TEST_JWT_SECRET } from "./config";

export { freePort };

const serverEntry = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const serverDir = fileURLToPath(new URL("../..", import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/**
 * Starts `src/main.ts` as its own process, the way production runs it, and waits until
 * /healthz answers. For tests that need real signals (SIGTERM, SIGKILL).
 */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  let output = "";
  // Node itself with tsx as a loader, so the pid is the server's and SIGKILL really kills it
  // (the tsx CLI would leave its child running).
  const child = spawn(process.execPath, ["--import", "tsx", serverEntry], {
    cwd: serverDir,
    env: { ...process.env, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: "warn", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    const healthy = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) break;
    if (waited > 30_000) {
      child.kill("SIGKILL");
      throw new Error(`server did not become healthy:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url, port, output: () => output, exited };
}
