import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** How long `later` holds an answer: past every client timeout the tests set. */
const HELD_MS = 5_000;

export interface StandInServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Sends an answer too late to be used (in 5 s), unless the server closes first. */
  later: (send: () => void) => void;
  close: () => Promise<void>;
}

/**
 * The HTTP server under a test's stand-in for an outside service (routing, geocoding): on
 * loopback and a free port, answering with `answer`, or, while `down()` holds, resetting
 * every connection (`onDropped` hears each). `close` ends held answers and open sockets too.
 */
export async function startStandInServer(
  answer: (request: IncomingMessage, response: ServerResponse) => void,
  down: () => boolean,
  onDropped: () => void = () => undefined,
): Promise<StandInServer> {
  const sockets = new Set<Socket>();
  const held = new Set<NodeJS.Timeout>();
  const server = createServer((request, response) => {
    if (down()) {
      request.socket.destroy();
      return;
    }
    answer(request, response);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (down()) {
      onDropped();
      socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    later(send) {
      const timer = setTimeout(() => {
        held.delete(timer);
        send();
      }, HELD_MS);
      held.add(timer);
    },
    async close() {
      for (const timer of held) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
