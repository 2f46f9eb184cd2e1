import WebSocket from "ws";
import { reportMessage, subscribeMessage } from "../floor/messages";
import type { FloorRole, FloorRun, FloorRunResult } from "../protocol";
import { sleep } from "./clients";

/** This worker's floor sockets: drivers (indexed by pair) and receivers. */
let drivers: WebSocket[] = [];
const opened = new Set<WebSocket>();
let received = 0;

/** Opens one bare socket per pair in `role`; resolves when all are open. */
export async function connectFloor(url: string, role: FloorRole, pairs: readonly number[]): Promise<number> {
  const sockets = await Promise.all(
    pairs.map(
      (pair) =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(`${url}/?role=${role}&pair=${pair}`);
          opened.add(socket);
          socket.once("open", () => {
            // Dispatchers and riders start their stream (the tRPC floor needs it; the bare one ignores it).
            if (role === "dispatcher") socket.send(subscribeMessage("tracking.onFleet", pair));
            if (role === "rider") socket.send(subscribeMessage("tracking.onTrip", pair));
            resolve(socket);
          });
          socket.once("error", reject);
          socket.on("message", () => {
            received++;
          });
        }),
    ),
  );
  if (role === "driver") drivers = sockets;
  return sockets.length;
}

/** Each driver socket sends one report per period, phases spread as in the fleet run. */
export async function runFloorDrivers(run: FloorRun): Promise<FloorRunResult> {
  let sent = 0;
  const receivedBefore = received;
  await Promise.all(
    drivers.map(async (socket, index) => {
      let due = run.startAt + ((run.phase.offset + index) / run.phase.total) * run.periodMs;
      while (due < run.stopAt) {
        await sleep(due - Date.now());
        socket.send(reportMessage(++sent, Date.now()));
        due += run.periodMs;
      }
    }),
  );
  return { sent, received: received - receivedBefore };
}

/** Messages this worker's sockets received so far. */
export function floorReceived(): number {
  return received;
}

export function closeFloor(): void {
  for (const socket of opened) socket.terminate();
  opened.clear();
  drivers = [];
}
