import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { useTestServer } from "../support/harness";

const t = useTestServer({ rateLimits: { mutationPoints: 1_000_000 } });

type Reply = { id?: unknown; error?: { data?: { code?: string } }; result?: unknown };

/** A raw tRPC WebSocket speaking the wire protocol by hand. */
async function rawSocket(token?: string, connectionParams = true) {
  const socket = new WebSocket(`${t.url.replace("http", "ws")}/trpc${connectionParams ? "?connectionParams=1" : ""}`);
  const replies: Reply[] = [];
  let closeCode: number | null = null;
  socket.on("message", (data: Buffer) => {
    try {
      replies.push(JSON.parse(data.toString()) as Reply);
    } catch {
      replies.push({ id: "unparseable" });
    }
  });
  socket.on("close", (code) => (closeCode = code));
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  if (connectionParams) socket.send(JSON.stringify({ method: "connectionParams", data: { token: token ?? "" } }));
  return {
    socket,
    replies,
    closed: () => closeCode,
    send: (frame: unknown) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    waitFor: async (predicate: (reply: Reply) => boolean, timeoutMs = 5_000) => {
      for (let waited = 0; waited < timeoutMs; waited += 20) {
        const found = replies.find(predicate);
        if (found) return found;
        if (closeCode !== null) return null;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return null;
    },
  };
}

async function serverStillAnswers() {
  const driver = await t.as("driver", 9);
  const me = await driver.api.auth.me.query();
  expect(me.id).toBe(driver.userId);
}

describe("raw protocol fuzzing", () => {
  it("answers bad JSON, missing and huge ids and unknown methods with errors or a close", async () => {
    const driver = await t.as("driver", 1);
    const raw = await rawSocket(driver.token);
    raw.send("{not json");
    raw.send({ method: "query", params: { path: "auth.me" } });
    raw.send({ id: "9".repeat(10_000), method: "query", params: { path: "auth.me" } });
    raw.send({ id: 7, method: "launchMissiles", params: {} });
    raw.send({ id: 8, method: "query", params: { path: "no.such.procedure" } });
    raw.send({ id: 9, method: "query", params: { path: "auth.me" } });
    const good = await raw.waitFor((reply) => reply.id === 9);
    // Either the connection survived and answered, or it was closed; it never hangs silently.
    if (good) expect(good.result).toBeDefined();
    else expect(raw.closed()).not.toBeNull();
    const unknown = raw.replies.find((reply) => reply.id === 8);
    if (unknown) expect(unknown.error?.data?.code).toBe("NOT_FOUND");
    raw.socket.close();
    await serverStillAnswers();
  });

  it("refuses hostile lastEventIds with BAD_REQUEST and never leaks another user's events", async () => {
    const dispatcher = await t.as("dispatcher");
    const driver = await t.as("driver", 2);
    const raw = await rawSocket(driver.token);
    const hostile = ["-1", "1e9", "abc", "99999999999999", " 1", "1; DROP TABLE events"];
    hostile.forEach((lastEventId, index) =>
      raw.send({ id: 100 + index, method: "subscription", params: { path: "offers.events", input: { lastEventId } } }),
    );
    for (const [index] of hostile.entries()) {
      const reply = await raw.waitFor((r) => r.id === 100 + index && r.error !== undefined);
      expect(reply?.error?.data?.code).toBe("BAD_REQUEST");
    }
    // "Someone else's" id: resuming from 0 only ever yields events addressed to this driver.
    const offer = await dispatcher.api.offers.create.mutate({
      driverIds: [(await t.as("driver", 3)).userId],
      pickup: { address: "A", lat: 41.88, lng: -87.63 },
      dropoff: { address: "B", lat: 41.9, lng: -87.64 },
      weightKg: 10,
      dimensions: { lengthCm: 10, widthCm: 10, heightCm: 10 },
      rateCents: 1_000,
      expiresInSeconds: 600,
    });
    raw.send({ id: 200, method: "subscription", params: { path: "offers.events", input: { lastEventId: "0" } } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(JSON.stringify(raw.replies.filter((reply) => reply.id === 200))).not.toContain(`"offerId":${offer.id}`);
    raw.socket.close();
  });

  it("treats oversized connectionParams as a frame too big and closes", async () => {
    const raw = await rawSocket(undefined, false);
    raw.send({ method: "connectionParams", data: { token: "x".repeat(70 * 1024) } });
    for (let i = 0; i < 100 && raw.closed() === null; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(raw.closed()).toBe(1009);
    await serverStillAnswers();
  });

  it("survives a flood of 1,000 frames in a second with bounded memory, and other clients are unaffected", async () => {
    const driver = await t.as("driver", 4);
    const raw = await rawSocket(driver.token);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 1_000; i++) {
      raw.send(i % 3 === 0 ? "garbage" : { id: i, method: "query", params: { path: "auth.me" } });
      if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await serverStillAnswers();
    await raw.waitFor(() => raw.replies.length >= 600, 10_000);
    const grownMiB = (process.memoryUsage().rss - before) / 1024 / 1024;
    expect(grownMiB).toBeLessThan(100);
    raw.socket.close();
  });
});
