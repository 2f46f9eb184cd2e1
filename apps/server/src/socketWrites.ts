import type { Socket } from "node:net";
import type { WebSocket } from "ws";

/**
 * Frames sent to `ws` in one run of the microtask queue leave in one write: the first holds
 * (corks) the TCP socket underneath and a `process.nextTick` releases it once the queue has
 * drained. A chat sender's answer and its own copy of the message, or a driver's accept and
 * the award event, are sent from the same commit's callbacks and would otherwise cost a
 * system call, and a wake-up of the reader, each. A lone frame waits for no timer and no
 * other I/O: the release runs before the event loop moves on.
 */
export function coalesceFrames(ws: WebSocket, socket: Socket): void {
  const send = ws.send.bind(ws) as (...args: unknown[]) => void;
  let holding = false;
  const release = () => {
    holding = false;
    socket.uncork();
  };
  ws.send = ((...args: unknown[]) => {
    if (!holding && !socket.destroyed) {
      holding = true;
      socket.cork();
      process.nextTick(release);
    }
    send(...args);
  }) as WebSocket["send"];
}
