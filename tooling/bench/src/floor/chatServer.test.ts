import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WireClient } from "../roles/wireClient";
import { startFloorServer } from "../scenarios/floor";
import { floorOfferId, floorToken } from "./chatMessages";

async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(["chat", "trpcChat"] as const)("chat floor server (%s)", (kind) => {
  let server: Awaited<ReturnType<typeof startFloorServer>>;
  beforeAll(async () => {
    server = await startFloorServer(kind);
  });
  afterAll(() => server.stop());

  it("answers the load's typing and send calls and delivers them as Convoy's chat.events does", async () => {
    const url = server.url.replace(/^ws/, "http");
    const [dispatcher, driver] = await Promise.all([WireClient.open(url, floorToken(3)), WireClient.open(url, floorToken(41))]);
    const seen = { dispatcher: [] as [unknown, string | undefined][], driver: [] as [unknown, string | undefined][] };
    await dispatcher.subscribe("chat.events", {}, (value, eventId) => seen.dispatcher.push([value, eventId]));
    await driver.subscribe("chat.events", {}, (value, eventId) => seen.driver.push([value, eventId]));
    const thread = { offerId: floorOfferId(3, 41), driverId: 41 };

    expect(await driver.mutate("chat.typing", { ...thread, typing: true })).toEqual({ ok: true });
    const message = await driver.mutate("chat.send", { ...thread, body: "on my way", clientMessageId: "5b0f4c8e-3f1a-4d6b-9c2e-1a7d8e9f0b12" });
    expect(message).toMatchObject({
      offerId: thread.offerId,
      driverId: 41,
      senderId: 41,
      kind: "text",
      body: "on my way",
      clientMessageId: "5b0f4c8e-3f1a-4d6b-9c2e-1a7d8e9f0b12",
    });

    await until(() => seen.dispatcher.length === 2 && seen.driver.length === 1);
    const typing = { type: "typing", ...thread, dispatcherId: 3, userId: 41, typing: true };
    expect(seen.dispatcher[0]).toEqual([typing, undefined]);
    // The message reaches both sides as one tracked event; the typist's own notice does not come back.
    const [event, eventId] = seen.dispatcher[1]!;
    expect(event).toEqual({ type: "message", eventId: Number(eventId), ...thread, message });
    expect(seen.driver).toEqual([[event, eventId]]);
    dispatcher.close();
    driver.close();
  });
});
