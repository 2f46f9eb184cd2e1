import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFloorServer, type FloorKind } from "../scenarios/floor";
import { reportMessage, subscribeMessage } from "./messages";

interface Envelope {
  id: number;
  result: { type: string; data: Record<string, unknown> & { drivers?: { id: number }[] } };
}

async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A socket of the floor in `role`, with every data message it receives parsed. Dispatchers
 * and riders start their stream as the benchmark's do; on the tRPC floor that is answered
 * with "started", which is awaited.
 */
async function open(kind: FloorKind, url: string, role: string, pair: number): Promise<{ socket: WebSocket; received: Envelope[] }> {
  const socket = new WebSocket(`${url}/?role=${role}&pair=${pair}`);
  const received: Envelope[] = [];
  let started = false;
  socket.on("message", (data: Buffer) => {
    const envelope = JSON.parse(data.toString("utf8")) as Envelope;
    if (envelope.result.type === "started") started = true;
    if (envelope.result.type === "data") received.push(envelope);
  });
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  if (role === "driver") return { socket, received };
  socket.send(subscribeMessage(role === "rider" ? "tracking.onTrip" : "tracking.onFleet", pair));
  if (kind === "trpc") await until(() => started);
  return { socket, received };
}

describe.each(["ws", "trpc"] as const)("socket floor server (%s)", (kind) => {
  let server: Awaited<ReturnType<typeof startFloorServer>>;
  beforeAll(async () => {
    server = await startFloorServer(kind);
  });
  afterAll(() => server.stop());

  it("answers each report, sends it to the driver's rider, and frames the moved drivers to every dispatcher", async () => {
    const dispatchers = [await open(kind, server.url, "dispatcher", 0), await open(kind, server.url, "dispatcher", 1)];
    const rider = await open(kind, server.url, "rider", 4);
    const otherRider = await open(kind, server.url, "rider", 5);
    const driver = await open(kind, server.url, "driver", 4);

    driver.socket.send(reportMessage(41, Date.now()));
    driver.socket.send(reportMessage(42, Date.now()));
    // The tRPC floor's streams keep only the newest frame, so two quick reports may reach the rider as one.
    await until(() => driver.received.length === 2 && rider.received.length > 0 && dispatchers.every((d) => d.received.length > 0));

    expect(driver.received.map((answer) => [answer.id, answer.result.data.accepted])).toEqual([
      [41, 1],
      [42, 1],
    ]);
    for (const frame of rider.received) expect(frame.result.data).toMatchObject({ kind: "position", tripId: 4 });
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
