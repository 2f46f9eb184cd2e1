import { spawn, type ChildProcess } from "node:child_process";
import { createECDH } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort } from "../../src/ports";

const require = createRequire(import.meta.url);
/** web-push-testing's server entry (its CLI would detach it and keep a pid file). */
const serverEntry = join(dirname(require.resolve("web-push-testing/package.json")), "src/bin/server.js");

/** A subscription the test push server made, as a browser's `PushSubscription.toJSON()` would be, plus its id there. */
export interface TestPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  clientHash: string;
}

export interface PushTestServer {
  url: string;
  /** A new subscription for `applicationServerKey` (the server's VAPID public key). */
  subscribe: (applicationServerKey: string) => Promise<TestPushSubscription>;
  /** The decrypted messages received for a subscription so far, in order. */
  messages: (clientHash: string) => Promise<string[]>;
  /** Waits until `done` holds for a subscription's messages (parsed as JSON), and returns them. */
  waitForMessages: <T>(clientHash: string, done: (messages: T[]) => boolean, timeoutMs?: number) => Promise<T[]>;
  /** Makes the push server answer 410 Gone for this subscription from now on. */
  expire: (clientHash: string) => Promise<void>;
  stop: () => Promise<void>;
}

/** A fresh VAPID key pair, as `web-push generate-vapid-keys` makes one (P-256, base64url). */
export function vapidKeyPair(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const privateKey = ecdh.getPrivateKey();
  return {
    publicKey: ecdh.getPublicKey().toString("base64url"),
    privateKey: Buffer.concat([Buffer.alloc(32 - privateKey.length), privateKey]).toString("base64url"),
  };
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text}`);
  return (response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : null) as T;
}

/**
 * Starts `web-push-testing` (a Web Push service that decrypts and records what it is sent,
 * checking the VAPID signature) as a process of its own on a free port, and waits until it
 * listens. Its endpoints are http://localhost:<port>/notify/<clientHash>.
 */
export async function startPushTestServer(): Promise<PushTestServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [serverEntry, String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`Server running on port ${port}`)) resolve();
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`web-push-testing exited with ${code}:\n${output}`)));
  });
  const url = `http://localhost:${port}`;
  const messages = async (clientHash: string) =>
    (await post<{ data: { messages: string[] } }>(`${url}/get-notifications`, { clientHash })).data.messages;
  return {
    url,
    async subscribe(applicationServerKey) {
      const { data } = await post<{ data: TestPushSubscription }>(`${url}/subscribe`, { userVisibleOnly: "true", applicationServerKey });
      return data;
    },
    messages,
    async waitForMessages<T>(clientHash: string, done: (received: T[]) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const received = (await messages(clientHash)).map((message) => JSON.parse(message) as T);
        if (done(received)) return received;
        if (Date.now() > deadline) throw new Error(`push messages never matched; received: ${JSON.stringify(received)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async expire(clientHash) {
      await post(`${url}/expire-subscription/${clientHash}`, {});
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
