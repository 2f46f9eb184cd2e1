/**
 * The chat floor's server: a bare `ws` server, run as its own process, that moves the chat
 * scenario's frames and does nothing else (no tRPC, no authentication, no validation, no
 * database, no budgets). It speaks what the load's `WireClient` speaks: connection params,
 * a `chat.events` subscription per socket, and `chat.typing` / `chat.send` calls, each
 * answered at once. A typing notice goes to the thread's other side; a message to both
 * sides as a tracked event, its JSON made once for both. Its CPU per message is what this
 * machine charges for a message's socket traffic alone (two frames in, five out): the floor
 * under `chat.serverCpuMsPerMessage`.
 *
 * A floor token is `floor:<userId>`; a thread's offer id is `dispatcherId * 1,000,000 +
 * driverId` (see `floorOfferId`), so the server knows both sides of a thread from a call.
 * It listens on a free port and sends `{ port }` to its parent.
 */
import { WebSocketServer, type WebSocket } from "ws";
import { dispatcherOfFloorOffer } from "./chatMessages";

interface Frame {
  id?: number;
  method?: string;
  data?: { token?: string };
  params?: { path?: string; input?: { offerId: number; driverId: number; typing?: boolean; body?: string; clientMessageId?: string } };
}

/** Each user's socket and its `chat.events` subscription id. */
const subscribers = new Map<number, { socket: WebSocket; subscriptionId: number }>();
let lastMessageId = 0;
let lastEventId = 0;

const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });

function deliver(userId: number, data: string, eventId?: number): void {
  const subscriber = subscribers.get(userId);
  if (!subscriber) return;
  const { socket, subscriptionId } = subscriber;
  if (eventId === undefined) socket.send(`{"id":${subscriptionId},"result":{"type":"data","data":${data}}}`);
  else socket.send(`{"id":${subscriptionId},"result":{"type":"data","id":"${eventId}","data":{"id":"${eventId}","data":${data}}}}`);
}

server.on("connection", (socket) => {
  let userId = 0;
  socket.on("message", (raw: Buffer) => {
    // Parsed as any server must, to know what the frame is and which call it answers.
    const frame = JSON.parse(raw.toString("utf8")) as Frame;
    if (frame.method === "connectionParams") {
      userId = Number(frame.data?.token?.split(":")[1]);
      return;
    }
    const id = frame.id ?? null;
    const path = frame.params?.path;
    if (frame.method === "subscription" && path === "chat.events") {
      subscribers.set(userId, { socket, subscriptionId: Number(id) });
      socket.once("close", () => subscribers.delete(userId));
      socket.send(`{"id":${id},"result":{"type":"started"}}`);
      return;
    }
    const input = frame.params?.input;
    if (frame.method !== "mutation" || !input) return;
    const { offerId, driverId } = input;
    const dispatcherId = dispatcherOfFloorOffer(offerId);
    const otherSide = userId === driverId ? dispatcherId : driverId;
    if (path === "chat.typing") {
      socket.send(`{"id":${id},"result":{"type":"data","data":{"ok":true}}}`);
      deliver(otherSide, JSON.stringify({ type: "typing", offerId, driverId, dispatcherId, userId, typing: input.typing === true }));
      return;
    }
    if (path === "chat.send") {
      const message = {
        id: ++lastMessageId,
        offerId,
        driverId,
        senderId: userId,
        kind: "text",
        body: input.body ?? "",
        clientMessageId: input.clientMessageId ?? null,
        createdAt: new Date().toISOString(),
      };
      socket.send(`{"id":${id},"result":{"type":"data","data":${JSON.stringify(message)}}}`);
      const eventId = ++lastEventId;
      const event = JSON.stringify({ type: "message", eventId, offerId, driverId, message });
      deliver(userId, event, eventId);
      deliver(otherSide, event, eventId);
    }
  });
});

server.on("listening", () => {
  const address = server.address();
  process.send?.({ port: typeof address === "object" && address ? address.port : 0 });
});

// The benchmark going away ends this process too.
process.on("disconnect", () => process.exit(0));
