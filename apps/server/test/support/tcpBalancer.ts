import { createServer, Socket, type Server } from "node:net";

export interface TcpBalancer {
  url: string;
  /** Changes where new connections go; open ones stay where they are. */
  setBackends: (ports: number[]) => void;
  /**
   * Open connections stop carrying the client's bytes to the server (they are read and
   * dropped), while staying open: a connection that died without anyone noticing. New
   * connections work as before.
   */
  blackholeOpenConnections: () => void;
  /** Closes every open connection at once, both ways: the server went away (with `setBackends([])`, it stays away). */
  dropOpenConnections: () => void;
  close: () => Promise<void>;
}

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
    socket.connect(port, "127.0.0.1");
  });
}

/**
 * A minimal TCP load balancer for tests: each new connection goes to the first backend
 * that accepts it, in preference order. When a backend dies its clients reconnect and
 * land on the next one, as behind any real balancer with health-checked failover.
 */
export async function startTcpBalancer(initialPorts: number[]): Promise<TcpBalancer> {
  let backendPorts = initialPorts;
  const sockets = new Set<Socket>();
  const blackholes: (() => void)[] = [];
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    client.pause();
    void (async () => {
      for (const port of backendPorts) {
        try {
          const backend = await connectTo(port);
          sockets.add(backend);
          backend.once("close", () => sockets.delete(backend));
          client.pipe(backend).pipe(client);
          blackholes.push(() => {
            client.unpipe(backend);
            client.on("data", () => undefined);
          });
          client.once("error", () => backend.destroy());
          backend.once("error", () => client.destroy());
          client.once("close", () => backend.destroy());
          backend.once("close", () => client.destroy());
          client.resume();
          return;
        } catch {
          // Down: try the next backend.
        }
      }
      client.destroy();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    setBackends: (ports) => (backendPorts = ports),
    blackholeOpenConnections: () => {
      for (const blackhole of blackholes.splice(0)) blackhole();
    },
    dropOpenConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
