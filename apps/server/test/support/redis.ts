import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./process";

export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops the server (the outage). */
  stop: () => Promise<void>;
  /** Starts it again on the same port. */
  start: () => Promise<void>;
}

async function waitForPort(port: number, open: boolean): Promise<void> {
  const { Socket } = await import("node:net");
  for (let i = 0; i < 100; i++) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => (socket.destroy(), resolve(false)));
      socket.connect(port, "127.0.0.1");
    });
    if (isOpen === open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis on ${port} did not become ${open ? "reachable" : "unreachable"}`);
}

/**
 * A redis-server of the test's own on a free port, so an outage test never touches the
 * shared Redis on 6379.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    await waitForPort(port, true);
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
    await waitForPort(port, false);
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
