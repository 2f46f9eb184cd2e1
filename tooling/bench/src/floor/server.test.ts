import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFloorServer } from "../scenarios/floor";
import { reportMessage } from "./messages";

interface Envelope {
  id: number;
  result: { type: string; data: Record<string, unknown> & { drivers?: { id: number }[] } };
}

/** A socket of the floor in `role`, with every message it receives parsed. */
async function open(url: string, role: string, pair: number): Promise<{ socket: WebSocket; received: Envelope[] }> {
  const socket = new WebSocket(`${url}/?role=${role}&pair=${pair}`);
  const received: Envelope[] = [];
  socket.on("message", (data: Buffer) => received.push(JSON.parse(data.toString("utf8")) as Envelope));
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  return { socket, received };
}

async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("socket floor server", () => {
  let server: Awaited<ReturnType<typeof startFloorServer>>;
  beforeAll(async () => {
    server = await startFloorServer();
  });
  afterAll(() => server.stop());

  it("answers each report, sends it to the driver's rider, and frames the moved drivers to every dispatcher", async () => {
    const dispatchers = [await open(server.url, "dispatcher", 0), await open(server.url, "dispatcher", 1)];
    const rider = await open(server.url, "rider", 4);
    const otherRider = await open(server.url, "rider", 5);
    const driver = await open(server.url, "driver", 4);

    driver.socket.send(reportMessage(41, Date.now()));
    driver.socket.send(reportMessage(42, Date.now()));
    await until(() => driver.received.length === 2 && rider.received.length === 2 && dispatchers.every((d) => d.received.length > 0));

    expect(driver.received.map((answer) => [answer.id, answer.result.data.accepted])).toEqual([
      [41, 1],
      [42, 1],
    ]);
    expect(rider.received[0]!.result.data).toMatchObject({ kind: "position", tripId: 4 });
    expect(otherRider.received).toEqual([]);
    for (const dispatcher of dispatchers) {
      // Both reports fall in one 100 ms window or two; the driver appears once per frame.
      const frames = dispatcher.received.map((frame) => frame.result.data.drivers!.map((entry) => entry.id));
      expect(frames.flat().every((id) => id === 4)).toBe(true);
      expect(frames.every((ids) => ids.length === 1)).toBe(true);
    }
    for (const { socket } of [...dispatchers, rider, otherRider, driver]) socket.terminate();
  });
});
