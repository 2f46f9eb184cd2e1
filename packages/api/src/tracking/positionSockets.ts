import { TRPCError } from "@trpc/server";
import type { Logger } from "pino";
import { sessionEndedMessage } from "../auth/endReasons";
import { SESSION_ENDED_CLOSE_CODE, TOKEN_EXPIRED_CLOSE_CODE, type Session, type SessionRegistry } from "../auth/sessionRegistry";
import { TokenBucket } from "../lib/tokenBucket";
import { describeIssues, readableIssues } from "../lib/validation";
import {
  isWellFormedReport,
  POSITION_SOCKET_CLOSE,
  positionSocketMessageSchema,
  type PositionSocketErrorCode,
  type PositionSocketMessage,
  type PositionSocketReply,
} from "./positionSocketProtocol";
import type { ReportedPoint } from "./points";
import type { TrackingService } from "./service";

/** The parts of a `ws` socket the position sockets use. */
export interface DriverSocket {
  send: (data: string) => void;
  close: (code?: number, reason?: string) => void;
  terminate: () => void;
  on(event: "message", listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}

export interface PositionSocketOptions {
  /** How long a new socket has to send `auth`, in ms. @default 10_000 */
  authTimeoutMs?: number;
  /** Messages a driver may send at once after a quiet spell (a phone's offline backlog). @default 30 */
  messageBurst?: number;
  /** Messages per second a driver may keep up. A phone reports once a second. @default 5 */
  messagesPerSecond?: number;
  /**
   * Silence after which a socket counts as dead and is dropped, in ms. Clients sync every
   * 30 s, so a live one is never this quiet; a vanished phone's socket is freed. @default 60_000
   */
  idleTimeoutMs?: number;
}

export interface PositionSocketDeps<S extends DriverSocket> {
  sessions: Pick<SessionRegistry, "authenticate" | "isLive" | "endReason">;
  tracking: Pick<TrackingService, "report">;
  logger: Logger;
  /** Called once a socket is a driver's: the server counts it for presence and closes it when the token expires. */
  onAuthenticated: (socket: S, session: Session) => void;
}

interface Connection<S extends DriverSocket> {
  socket: S;
  /** Set once `auth` succeeded. */
  session: Session | null;
  authenticating: boolean;
  limit: TokenBucket;
  lastMessageAt: number;
}

const send = (socket: DriverSocket, reply: PositionSocketReply) => socket.send(JSON.stringify(reply));

/** RFC 6455 "try again later": not one of the reporter's final codes, so it reconnects with backoff. */
const TRY_AGAIN_LATER_CLOSE_CODE = 1013;

/**
 * The server's side of every driver's position socket (protocol in
 * `positionSocketProtocol.ts`): authenticates, keeps one socket per driver, rate-limits,
 * validates and hands reports to `TrackingService.report`, the same function
 * `tracking.report` calls. Identity comes only from the token.
 */
export class PositionSockets<S extends DriverSocket = DriverSocket> {
  private readonly connections = new Set<Connection<S>>();
  private readonly byDriver = new Map<number, Connection<S>>();
  private readonly options: Required<PositionSocketOptions>;
  private readonly idleSweep: NodeJS.Timeout;
  private rateLimited = 0;

  constructor(
    private readonly deps: PositionSocketDeps<S>,
    options: PositionSocketOptions = {},
  ) {
    this.options = {
      authTimeoutMs: options.authTimeoutMs ?? 10_000,
      messageBurst: options.messageBurst ?? 30,
      messagesPerSecond: options.messagesPerSecond ?? 5,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    };
    // One timer for every socket rather than one per socket.
    this.idleSweep = setInterval(() => this.dropIdle(), Math.min(this.options.idleTimeoutMs, this.options.authTimeoutMs) / 2);
    this.idleSweep.unref();
  }

  /** Takes a freshly upgraded socket. */
  accept(socket: S): void {
    const connection: Connection<S> = {
      socket,
      session: null,
      authenticating: false,
      limit: new TokenBucket(this.options.messageBurst, this.options.messagesPerSecond),
      lastMessageAt: Date.now(),
    };
    this.connections.add(connection);
    socket.on("message", (data, isBinary) => this.onMessage(connection, data, isBinary));
    // A frame over the size limit, or a broken frame: `ws` closes the socket (1009, 1002)
    // and reports it here. Without a listener the error would end the process.
    socket.on("error", (error) => this.deps.logger.warn({ err: error, driverId: connection.session?.userId }, "position socket error"));
    socket.on("close", () => {
      this.connections.delete(connection);
      const driverId = connection.session?.userId;
      if (driverId !== undefined && this.byDriver.get(driverId) === connection) this.byDriver.delete(driverId);
    });
  }

  /** Sockets open now, authenticated or not. */
  get size(): number {
    return this.connections.size;
  }

  /** Messages refused with TOO_MANY_REQUESTS (over a driver's message rate), since start. */
  get rateLimitedMessages(): number {
    return this.rateLimited;
  }

  /** Closes every socket with `code` (1012 on shutdown: clients reconnect, to another instance). */
  closeAll(code: number, reason: string): void {
    for (const { socket } of this.connections) socket.close(code, reason);
  }

  stop(): void {
    clearInterval(this.idleSweep);
  }

  private onMessage(connection: Connection<S>, data: unknown, isBinary: boolean): void {
    const now = Date.now();
    connection.lastMessageAt = now;
    const { socket, session } = connection;
    if (!session) {
      this.onFirstMessage(connection, data, isBinary);
      return;
    }
    if (!this.deps.sessions.isLive(session, now)) {
      const ended = this.deps.sessions.endReason(session.state, now);
      if (ended) socket.close(SESSION_ENDED_CLOSE_CODE, ended);
      else socket.close(TOKEN_EXPIRED_CLOSE_CODE, "access token expired; reconnect with a fresh one");
      return;
    }
    if (!connection.limit.take(now)) {
      this.rateLimited++;
      const seconds = Math.max(1, Math.ceil(connection.limit.msUntilNext() / 1000));
      this.refuse(socket, null, "TOO_MANY_REQUESTS", `Too many position messages; try again in ${seconds} s`);
      return;
    }
    const message = this.parse(socket, data, isBinary);
    if (!message) return;
    switch (message.type) {
      case "report":
        this.report(connection, session, message.seq, message.points, now);
        break;
      case "sync":
        send(socket, { type: "synced", seq: message.seq });
        break;
      case "auth":
        this.refuse(socket, null, "BAD_REQUEST", "This socket is already signed in");
        break;
    }
  }

  private onFirstMessage(connection: Connection<S>, data: unknown, isBinary: boolean): void {
    const { socket } = connection;
    if (connection.authenticating) {
      socket.close(POSITION_SOCKET_CLOSE.protocolError, "wait for ready before sending reports");
      return;
    }
    const message = isBinary ? null : safeJson(data);
    const auth = positionSocketMessageSchema.safeParse(message);
    if (!auth.success || auth.data.type !== "auth") {
      socket.close(POSITION_SOCKET_CLOSE.unauthorized, 'the first message must be { "type": "auth", "token": … }');
      return;
    }
    connection.authenticating = true;
    void this.authenticate(connection, auth.data.token);
  }

  private async authenticate(connection: Connection<S>, token: string): Promise<void> {
    const { socket } = connection;
    let check: Awaited<ReturnType<PositionSocketDeps<S>["sessions"]["authenticate"]>>;
    try {
      check = await this.deps.sessions.authenticate(token);
    } catch (error) {
      // A session this instance does not hold is read from MySQL; MySQL away or too slow is
      // the server's problem, not the token's: the reporter reconnects after a backoff.
      if (!this.connections.has(connection)) return;
      this.deps.logger.warn({ err: error }, "could not check a position socket's token; asked it to reconnect");
      socket.close(TRY_AGAIN_LATER_CLOSE_CODE, "the server cannot check tokens right now; reconnect in a few seconds");
      return;
    }
    if (!this.connections.has(connection)) return;
    if (!check.ok) {
      const message = check.reason === "ended" ? sessionEndedMessage(check.ended) : "the token is not valid or has expired; sign in again";
      socket.close(POSITION_SOCKET_CLOSE.unauthorized, message);
      return;
    }
    const { session } = check;
    if (session.role !== "driver") {
      socket.close(POSITION_SOCKET_CLOSE.forbidden, `only a driver reports positions; you are signed in as a ${session.role}`);
      return;
    }
    // One socket per driver: a second one (a reconnect that beat the old socket's close, or a
    // second device) takes over, so a driver cannot multiply their rate limit.
    this.byDriver.get(session.userId)?.socket.close(POSITION_SOCKET_CLOSE.replaced, "a newer position socket took over");
    this.byDriver.set(session.userId, connection);
    connection.session = session;
    connection.authenticating = false;
    this.deps.onAuthenticated(socket, session);
    send(socket, { type: "ready", driverId: session.userId });
  }

  private parse(socket: DriverSocket, data: unknown, isBinary: boolean): PositionSocketMessage | null {
    const json = isBinary ? undefined : safeJson(data);
    if (json === undefined) {
      this.refuse(socket, null, "BAD_REQUEST", "Send each message as one JSON text frame");
      return null;
    }
    if (isWellFormedReport(json)) return json;
    const parsed = positionSocketMessageSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    // Name the report the error is about when its seq can be read.
    const seq = typeof json === "object" && json !== null && "seq" in json && typeof json.seq === "number" ? json.seq : null;
    this.refuse(socket, seq, "BAD_REQUEST", describeIssues(readableIssues(parsed.error) ?? []));
    return null;
  }

  private report(connection: Connection<S>, session: Session, seq: number, points: readonly ReportedPoint[], now: number): void {
    const { socket } = connection;
    try {
      const { rejected } = this.deps.tracking.report(session.userId, points, now);
      if (rejected.length > 0) send(socket, { type: "rejected", seq, rejected });
    } catch (error) {
      if (error instanceof TRPCError && error.code === "SERVICE_UNAVAILABLE") {
        this.refuse(socket, seq, "SERVICE_UNAVAILABLE", error.message);
        return;
      }
      this.deps.logger.error({ err: error, driverId: session.userId }, "position report failed");
      this.refuse(socket, seq, "INTERNAL_SERVER_ERROR", "Something went wrong on the server; it has been logged");
    }
  }

  private refuse(socket: DriverSocket, seq: number | null, code: PositionSocketErrorCode, message: string): void {
    send(socket, { type: "error", seq, code, message });
  }

  private dropIdle(): void {
    const now = Date.now();
    for (const connection of this.connections) {
      const silentMs = now - connection.lastMessageAt;
      if (!connection.session && !connection.authenticating && silentMs > this.options.authTimeoutMs) {
        connection.socket.close(POSITION_SOCKET_CLOSE.protocolError, "no auth message in time");
      } else if (silentMs > this.options.idleTimeoutMs) {
        // A vanished phone never answers a close handshake.
        connection.socket.terminate();
      }
    }
  }
}

/** The parsed JSON of a text frame, or undefined if it is not JSON. */
function safeJson(data: unknown): unknown {
  try {
    return JSON.parse(String(data)) as unknown;
  } catch {
    return undefined;
  }
}
