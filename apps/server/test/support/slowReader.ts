import { connect, createServer, type Server, type Socket } from "node:net";

export interface SlowReader {
  /** Point a client here instead of at the server: http://127.0.0.1:<port> */
  url: string;
  /** Bytes a second read from the server on every connection; 0 stops reading, Infinity reads at full speed. */
  setRate: (bytesPerSecond: number) => void;
  /** Bytes read from the server so far, over every connection. */
  readonly bytesRead: number;
  close: () => Promise<void>;
}

/** Bytes read from the server per step: a phone on a poor link reads in small pieces. */
const STEP_BYTES = 512;

/**
 * A TCP proxy in front of a server that reads the server's side at a set rate, like a
 * phone on a poor link, while the client's own bytes (requests, pongs) pass at once. The
 * server sees a peer that reads slowly: its bytes wait in its own buffers. Each read takes
 * at most `STEP_BYTES` from the kernel (`onread` with a fixed buffer), then pauses for
 * as long as that many bytes take at the rate.
 */
export async function startSlowReader(serverPort: number, bytesPerSecond: number): Promise<SlowReader> {
  let rate = bytesPerSecond;
  let bytesRead = 0;
  const sockets = new Set<Socket>();
  const paused = new Set<Socket>();
  const server: Server = createServer((client) => {
    client.pause();
    const upstream = connect({
      port: serverPort,
      host: "127.0.0.1",
      onread: {
        buffer: Buffer.alloc(STEP_BYTES),
        callback: (length, buffer) => {
          bytesRead += length;
          client.write(Buffer.from(buffer.subarray(0, length)));
          if (rate === Number.POSITIVE_INFINITY) return true;
          paused.add(upstream);
          if (rate > 0) setTimeout(() => resume(upstream), (length / rate) * 1_000);
          return false;
        },
      },
    });
    const resume = (socket: Socket) => {
      if (!paused.delete(socket) || socket.destroyed) return;
      socket.resume();
    };
    sockets.add(client).add(upstream);
    upstream.once("connect", () => {
      client.pipe(upstream);
      client.resume();
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.once("error", () => b.destroy());
      a.once("close", () => {
        sockets.delete(a);
        paused.delete(a);
        b.end();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    setRate(bytesPerSecondNow) {
      rate = bytesPerSecondNow;
      if (rate > 0)
        for (const socket of [...paused]) {
          paused.delete(socket);
          if (!socket.destroyed) socket.resume();
        }
    },
    get bytesRead() {
      return bytesRead;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
