/**
 * How far behind a connection's reader is, for streams that adapt to a slow reader:
 * conflated streams hold their frames (merging them) while it is behind, durable streams
 * stop taking events from their queue, and both go on once it caught up.
 */
export interface ConnectionBacklog {
  /**
   * True while the peer has more than the threshold unread. Cheap (no allocation, no
   * system call), so a stream may ask before every frame.
   */
  readonly behind: boolean;
  /** Resolves once the peer is no longer behind, the connection closed, or `signal` aborted. */
  caughtUp: (signal?: AbortSignal) => Promise<void>;
  /** Closes the connection with `BACKLOG_CLOSE_CODE`; clients reconnect and resume. */
  shed: (reason: string) => void;
}

/**
 * Close code of a connection shed for falling too far behind: 1013 "try again later".
 * tRPC's wsLink reconnects on any close and resubscribes with each stream's `lastEventId`.
 */
export const BACKLOG_CLOSE_CODE = 1013;

export interface SocketBacklogOptions {
  /**
   * Bytes the peer may leave unread (in Node's buffer, the kernel's buffers and the
   * network together) before its streams hold back. A probe goes out at half of it.
   * @default 65_536
   */
  thresholdBytes?: number;
  /** Told each time `shed` closes a socket (for the server's metrics). */
  onShed?: () => void;
}

/** The parts of a `net.Socket` read here; `_bytesDispatched` is Node's count of bytes handed to the kernel. */
interface RawSocket {
  readonly _bytesDispatched: number;
  readonly writableLength: number;
  readonly bytesWritten: number;
}

/** The parts of a `ws` server-side WebSocket used here. */
export interface BacklogWebSocket {
  readonly readyState: number;
  ping: (data: string) => void;
  close: (code: number, reason: string) => void;
  on: (event: "pong", listener: (data: Buffer) => void) => unknown;
  once: (event: "close", listener: () => void) => unknown;
}

const OPEN = 1;

/**
 * A WebSocket's unread bytes: written by the server minus those the peer has confirmed
 * reading. The confirmation is a WebSocket ping (RFC 6455 §5.5.2): every client, browsers
 * included, answers it with a pong once it has read everything written before it, so a
 * pong moves the confirmed mark to the byte count taken when its ping went out.
 *
 * This counts what `bufferedAmount` cannot see: bytes the kernel already accepted. The
 * kernel grows a slow socket's send buffer to megabytes (the `tcp_wmem` maximum, 4 MiB on
 * a stock Linux), so a reader at 5 KB/s can be minutes behind while `bufferedAmount` is 0.
 * Holding the unread bytes under the threshold bounds Node's buffer and the kernel's queues
 * for the socket together.
 *
 * A probe (one ping) is outstanding at most once per socket, sent when the unread bytes
 * pass half the threshold, so a reader that keeps up gets one ping per half-threshold of
 * data and never waits; `behind` itself is two property reads and a subtraction.
 */
export class SocketBacklog implements ConnectionBacklog {
  private readonly threshold: number;
  private readonly probeAt: number;
  private readonly socket: RawSocket | null;
  /** Bytes the peer has confirmed reading. */
  private confirmed = 0;
  /** Byte count when the outstanding probe was sent; -1 when none is. */
  private probeMark = -1;
  private probeId = 0;
  private waiting: { promise: Promise<void>; resolve: () => void } | null = null;
  private closed = false;
  private readonly onShed: (() => void) | undefined;

  constructor(
    private readonly ws: BacklogWebSocket,
    options: SocketBacklogOptions = {},
  ) {
    this.threshold = options.thresholdBytes ?? 65_536;
    this.probeAt = this.threshold / 2;
    this.onShed = options.onShed;
    // `ws` keeps its net.Socket here; tRPC's adapter reaches it the same way to cork.
    this.socket = (ws as unknown as { _socket?: RawSocket | null })._socket ?? null;
    ws.on("pong", (data) => this.onPong(data));
    ws.once("close", () => {
      this.closed = true;
      this.release();
    });
  }

  /** Bytes written and not yet confirmed read. An in-flight write may count twice: never less than true. */
  get unreadBytes(): number {
    const socket = this.socket;
    return socket ? socket._bytesDispatched + socket.writableLength - this.confirmed : 0;
  }

  get behind(): boolean {
    const unread = this.unreadBytes;
    if (unread <= this.probeAt) return false;
    if (this.probeMark < 0) this.probe();
    return unread > this.threshold && !this.closed;
  }

  caughtUp(signal?: AbortSignal): Promise<void> {
    if (!this.behind || signal?.aborted) return Promise.resolve();
    if (!this.waiting) {
      let resolve!: () => void;
      const promise = new Promise<void>((settle) => (resolve = settle));
      this.waiting = { promise, resolve };
    }
    if (!signal) return this.waiting.promise;
    const { promise } = this.waiting;
    return new Promise<void>((resolve) => {
      const onAbort = () => resolve();
      signal.addEventListener("abort", onAbort, { once: true });
      void promise.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  shed(reason: string): void {
    if (this.ws.readyState !== OPEN) return;
    this.ws.close(BACKLOG_CLOSE_CODE, reason);
    this.onShed?.();
  }

  private probe(): void {
    if (this.closed || !this.socket || this.ws.readyState !== OPEN) return;
    this.probeMark = this.socket.bytesWritten;
    this.probeId += 1;
    this.ws.ping(String(this.probeId));
  }

  private onPong(data: Buffer): void {
    // Only the answer to our own probe counts: an unsolicited pong must not confirm bytes.
    if (this.probeMark < 0 || data.toString() !== String(this.probeId)) return;
    this.confirmed = this.probeMark;
    this.probeMark = -1;
    // Reading `behind` probes again if writes continued past half the threshold.
    if (this.waiting && !this.behind) this.release();
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve();
  }
}
