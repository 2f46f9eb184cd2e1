import type { Socket } from "node:net";
import type { WebSocket } from "ws";

export interface KeepAliveOptions {
  /** A socket that has sent nothing for this long is sent "PING". @default 30_000 (ms) */
  pingMs?: number;
  /** A pinged socket that sends nothing more for this long is terminated. @default 10_000 (ms) */
  pongWaitMs?: number;
}

interface Watched {
  /** The TCP socket under it: its `bytesRead` moves with every frame the client sends. */
  socket: Socket;
  bytesRead: number;
  /** When `bytesRead` was last seen to move (or the socket was first watched). */
  heardAt: number;
  /** When "PING" was sent, while no answer has come. */
  pingedAt: number | null;
}

/**
 * tRPC's keep-alive for its WebSockets (a quiet socket is sent "PING", which tRPC's client
 * answers with "PONG", and is terminated if nothing comes back), from one sweep timer for
 * every socket. tRPC's own `handleKeepAlive` clears and sets two timers on every frame a
 * client sends; this reads each TCP socket's `bytesRead` once a sweep instead, so a frame
 * costs nothing. Anything the client sends counts as an answer, as it does in tRPC's.
 *
 * The sweep runs every quarter of the shorter of the two waits, so a quiet socket is pinged,
 * and a silent one terminated, at most that quarter late (2.5 s with the defaults).
 */
export class KeepAlive {
  private readonly sockets = new Map<WebSocket, Watched>();
  private readonly pingMs: number;
  private readonly pongWaitMs: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: KeepAliveOptions = {}) {
    this.pingMs = options.pingMs ?? 30_000;
    this.pongWaitMs = options.pongWaitMs ?? 10_000;
  }

  /** Sockets kept alive now. */
  get watched(): number {
    return this.sockets.size;
  }

  /** Keeps `ws` (over `socket`) alive until it closes. */
  watch(ws: WebSocket, socket: Socket): void {
    if (ws.readyState !== ws.OPEN) return;
    this.sockets.set(ws, { socket, bytesRead: socket.bytesRead, heardAt: performance.now(), pingedAt: null });
    ws.once("close", () => {
      this.sockets.delete(ws);
      if (this.sockets.size === 0) this.stop();
    });
    this.timer ??= setInterval(() => this.sweep(), Math.max(1, Math.min(this.pingMs, this.pongWaitMs) / 4)).unref();
  }

  /** Stops the sweep; sockets still open are no longer kept alive. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private sweep(): void {
    const now = performance.now();
    for (const [ws, watched] of this.sockets) {
      const { bytesRead } = watched.socket;
      if (bytesRead !== watched.bytesRead) {
        watched.bytesRead = bytesRead;
        watched.heardAt = now;
        watched.pingedAt = null;
      } else if (watched.pingedAt !== null) {
        if (now - watched.pingedAt >= this.pongWaitMs) ws.terminate();
      } else if (now - watched.heardAt >= this.pingMs) {
        watched.pingedAt = now;
        ws.send("PING");
      }
    }
  }
}
