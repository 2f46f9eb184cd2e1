import { describe, expect, it } from "vitest";
import { useTestServer } from "./support/harness";
import { loadInput } from "./support/offerFixtures";
import { frameMatching, openTrpcSocket } from "./support/rawSockets";
import { insertDrivers } from "./support/tracking";

const DRIVERS = 500;
const OFFERS = 3;

// One dispatcher makes the offers; the drivers only subscribe.
const t = useTestServer({ rateLimits: { mutationPoints: 10_000 } });

/** `count` drivers made straight in the database (a login's scrypt check each would take minutes), with tokens. */
async function manyDrivers(count: number): Promise<{ id: number; token: string }[]> {
  const { ids } = await insertDrivers(t.db, count, `storm-${Math.random().toString(36).slice(2, 8)}-`);
  return Promise.all(ids.map(async (id) => ({ id, token: (await t.tokenFor(id, "driver")).token })));
}

type Frame = { id?: unknown; result?: { type?: string; data?: { data?: { type?: string; offerId?: number } } }; error?: unknown };

describe("a resume storm", () => {
  it(`${DRIVERS} sockets resubscribing at once from an old lastEventId each get their whole backlog, none refused`, async () => {
    const dispatcher = await t.as("dispatcher");
    const fleet = await manyDrivers(DRIVERS);
    const offerIds: number[] = [];
    for (let i = 0; i < OFFERS; i++) offerIds.push((await dispatcher.api.offers.create.mutate(loadInput(fleet.map((driver) => driver.id)))).id);

    // Every driver's socket comes back at once, as after a restart, each from before the offers.
    const sockets = await Promise.all(fleet.map((driver) => openTrpcSocket(t.url, driver.token)));
    const startedAt = performance.now();
    for (const socket of sockets) {
      socket.send({ id: 1, method: "subscription", params: { path: "offers.events", input: {}, lastEventId: "0" } });
    }
    // The backlog comes in order: the last offer's frame (or a refusal) ends each socket's wait.
    const lastOfferId = offerIds.at(-1);
    const lastOrRefusal = (message: unknown) => {
      const frame = message as Frame;
      return frame.error !== undefined || frame.result?.data?.data?.offerId === lastOfferId;
    };
    await Promise.all(sockets.map((socket) => frameMatching(socket, lastOrRefusal)));
    const seconds = (performance.now() - startedAt) / 1_000;

    try {
      for (const socket of sockets) {
        const frames = socket.messages as Frame[];
        expect(frames.filter((frame) => frame.error !== undefined)).toEqual([]);
        expect(frames[0]).toMatchObject({ id: 1, result: { type: "started" } });
        const received = frames
          .filter((frame) => frame.result?.data?.data?.type === "offer.received")
          .map((frame) => frame.result?.data?.data?.offerId);
        expect(received).toEqual(offerIds);
      }
      console.info(`resume storm: ${DRIVERS} subscriptions resumed with ${OFFERS} events each in ${seconds.toFixed(2)} s`);
    } finally {
      await Promise.all(sockets.map((socket) => (socket.socket.close(), socket.closed)));
    }
  });
});
