import type { Socket } from "node:net";
import { WebSocket } from "ws";

/** Sockets held since the last check phase of the event loop; released together there. */
let held: Socket[] = [];

function releaseHeld(): void {
  // A release can run write callbacks that send again: those hold their socket anew.
  const batch = held;
  held = [];
  for (const socket of batch) socket.uncork();
}

function holdForTurn(socket: Socket): void {
  // ws corks around a fragmented frame and uncorks before returning, so a corked socket
  // seen here is one already held this turn.
  if (socket.writableCorked > 0) return;
  socket.cork();
  if (held.push(socket) === 1) setImmediate(releaseHeld);
}

type SendCallback = (error?: Error) => void;
type SendOptions = Exclude<Parameters<WebSocket["send"]>[1], SendCallback | undefined>;

/**
 * A server-side WebSocket whose frames written in one turn of the event loop leave in one
 * system call: the first send of a turn corks the socket and the check phase (`setImmediate`)
 * uncorks every socket held. A chat message's answer and the sender's own copy of its event
 * are written in the same turn (both follow the batch's COMMIT), as are the events a
 * dispatcher gets from one batch; each write on loopback also pays for the receiver's TCP
 * work, so one write instead of several is CPU saved on both sides. A frame waits at most
 * for the rest of the I/O callbacks of its turn.
 *
 * Given to `WebSocketServer` as its `WebSocket` class; the unread-byte accounting
 * (`SocketBacklog`) counts held bytes through `writableLength`.
 */
export class TurnCorkedWebSocket extends WebSocket {
  override send(data: Parameters<WebSocket["send"]>[0], options?: SendOptions | SendCallback, callback?: SendCallback): void {
    const socket = (this as unknown as { _socket: Socket | null })._socket;
    if (socket && this.readyState === WebSocket.OPEN) holdForTurn(socket);
    if (typeof options === "function") super.send(data, options);
    else if (options) super.send(data, options, callback);
    else super.send(data, callback);
  }
}
