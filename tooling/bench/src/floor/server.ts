/**
 * The socket floor's server: a bare `ws` server, run as its own process, that moves the
 * fleet scenario's messages and does nothing else (no tRPC, no auth, no validation, no
 * database). It answers every driver report, sends the report's driver to that driver's
 * rider at once, and every 100 ms sends one frame of the drivers that reported since the
 * last to every dispatcher, stringified once. Its CPU per delivery is what this machine
 * charges for that socket traffic alone: a gauge of the host's speed at the time of a run.
 * It answers reports as tRPC calls are answered, which Convoy's position socket does not,
 * so it moves more traffic than the fleet scenario's server and is no bound on Convoy.
 *
 * Sockets say who they are in the URL: `?role=driver&pair=7`, `?role=rider&pair=7`,
 * `?role=dispatcher`. It listens on a free port and sends `{ port }` to its parent.
 */
import { WebSocketServer, type WebSocket } from "ws";
import { fleetFrame, reportAnswer, riderFrame } from "./messages";

const FRAME_INTERVAL_MS = 100;

const dispatchers = new Set<WebSocket>();
const riders = new Map<number, WebSocket>();
/** Drivers that reported since the last frame. */
let moved = new Set<number>();

const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });

server.on("connection", (socket, request) => {
  const params = new URL(request.url ?? "/", "http://floor").searchParams;
  const role = params.get("role");
  const pair = Number(params.get("pair"));
  if (role === "dispatcher") {
    dispatchers.add(socket);
    socket.on("close", () => dispatchers.delete(socket));
  } else if (role === "rider") {
    riders.set(pair, socket);
    socket.on("close", () => riders.delete(pair));
  } else {
    socket.on("message", (data: Buffer) => {
      // Parsed as any server must, to know what the message is and which call it answers.
      const call = JSON.parse(data.toString("utf8")) as { id: number };
      socket.send(reportAnswer(call.id));
      moved.add(pair);
      riders.get(pair)?.send(riderFrame(pair, Date.now()));
    });
  }
});

setInterval(() => {
  if (moved.size === 0 || dispatchers.size === 0) return;
  const frame = fleetFrame([...moved], Date.now());
  moved = new Set();
  for (const socket of dispatchers) socket.send(frame);
}, FRAME_INTERVAL_MS);

server.on("listening", () => {
  const address = server.address();
  process.send?.({ port: typeof address === "object" && address ? address.port : 0 });
});

// The benchmark going away ends this process too.
process.on("disconnect", () => process.exit(0));
