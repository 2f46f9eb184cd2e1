import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { createURL } from "@trpc/server/adapters/node-http";
import { upgradeSummary } from "../src/upgradeSummary";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const wss = new WebSocketServer({ noServer: true });
const server = createServer();
/** Per upgrade: a weak reference to the request, and the summary a connection keeps. */
const upgrades: { request: WeakRef<IncomingMessage>; summary: IncomingMessage; url: string }[] = [];
server.on("upgrade", (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, () => {
    upgrades.push({ request: new WeakRef(request), summary: upgradeSummary(request), url: createURL(request).href });
  });
});

beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
afterAll(() => {
  for (const client of wss.clients) client.terminate();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

it("keeps what tRPC reads from an upgrade, and lets the request itself go", async () => {
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/trpc?connectionParams=1`, {
    headers: { cookie: `convoy_refresh=${"r".repeat(200)}`, "user-agent": "a browser" },
  });
  await new Promise((resolve, reject) => client.once("open", resolve).once("error", reject));
  expect(upgrades).toHaveLength(1);
  const [upgrade] = upgrades;
  // tRPC resolves the connection's URL (and its connectionParams flag) from the summary alone.
  expect(createURL(upgrade!.summary).href).toBe(upgrade!.url);
  expect(upgrade!.summary.socket.remoteAddress).toBe("127.0.0.1");
  expect(upgrade!.summary.headers).toEqual({ host: `127.0.0.1:${port}` });
  // With only the summary held, the request is collected while the connection stays open.
  for (let attempt = 0; attempt < 20 && upgrade!.request.deref(); attempt++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  expect(upgrade!.request.deref()).toBeUndefined();
  expect(client.readyState).toBe(WebSocket.OPEN);
  client.close();
});
