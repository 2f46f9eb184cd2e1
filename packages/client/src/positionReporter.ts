import type {
  POSITION_SOCKET_CLOSE,
  POSITION_SOCKET_PATH,
  MAX_POINTS_PER_REPORT,
  PositionSocketErrorCode,
  PositionSocketMessage,
  PositionSocketReply,
  Rejection,
  ReportedPoint,
} from "@convoy/api";
import type { ConnectionState } from "./index";
import { reconnectDelayMs, webSocketUrl } from "./socketUrl";

export type { ReportedPoint, Rejection } from "@convoy/api";

// The server's constants, restated here so the client carries no server code at run time;
// the `typeof` annotations make the compiler check that both sides agree.
const PATH: typeof POSITION_SOCKET_PATH = "/positions";
const CLOSE: typeof POSITION_SOCKET_CLOSE = { protocolError: 4400, unauthorized: 4401, forbidden: 4403, replaced: 4409 };
const SESSION_ENDED = 4001;
const BATCH: typeof MAX_POINTS_PER_REPORT = 50;
/** "Message too big": resending the same batch would only be refused again. */
const MESSAGE_TOO_BIG = 1009;
const FINAL_CLOSE_CODES = new Set<number>([...Object.values(CLOSE), SESSION_ENDED, MESSAGE_TOO_BIG]);

export interface PositionReporterOptions {
  /** Server origin, e.g. `http://localhost:3000`, or `""` for same-origin in a browser. */
  url: string;
  /** The driver's token. */
  token?: string | null;
  /** Read at every (re)connect, so a refreshed token is picked up. */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Needed in Node 20, which has no global WebSocket: pass `ws`'s default export. */
  WebSocket?: unknown;
  /**
   * Points kept while they cannot be sent or are not yet confirmed; beyond this the oldest
   * are dropped. The server refuses points older than 10 min anyway. @default 600
   */
  maxQueuedPoints?: number;
  /** How often the reporter asks the server to confirm what it received, in ms. @default 30_000 */
  syncIntervalMs?: number;
  /** A sync unanswered this long means the socket is dead; it is replaced, in ms. @default 10_000 */
  syncTimeoutMs?: number;
}

/** Something the server refused: some points of a report, or a whole message. */
export type ReportProblem = { kind: "rejected"; rejected: Rejection[] } | { kind: "error"; code: PositionSocketErrorCode; message: string };

export interface PositionReporter {
  /** Queues points (oldest first) and sends them now if the socket is ready. Never throws. */
  report: (points: ReportedPoint | readonly ReportedPoint[]) => void;
  /**
   * Resolves once the server has received every point reported before this call, across
   * reconnects if need be. Rejects if the reporter closes for good first.
   */
  flush: () => Promise<void>;
  /** "open" once the server said the socket is a driver's. */
  readonly state: ConnectionState;
  /** Why the reporter stopped for good (a refused token, a newer socket for the same driver), or null. */
  readonly closeReason: string | null;
  /** Points waiting to be sent or confirmed. */
  readonly queuedPoints: number;
  onStateChange: (listener: (state: ConnectionState) => void) => () => void;
  onProblem: (listener: (problem: ReportProblem) => void) => () => void;
  /** Closes the socket for good; pending `flush` calls reject. */
  close: () => void;
}

type WebSocketLike = new (url: string) => WebSocket;

interface SentReport {
  seq: number;
  points: readonly ReportedPoint[];
}

interface FlushWaiter {
  /** The last seq used when `flush` was called: any later sync covers it. */
  afterSeq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A driver's position reports over the position socket (`/positions`): no answer per report,
 * so a report costs the server a read and nothing else. Points are kept until a sync
 * confirms them, and a reconnect sends the unconfirmed ones again (the server stores a
 * (driver, recordedAt) once, so a repeat is harmless), so nothing reported is lost to a
 * dropped connection. Reconnects on its own with backoff, except after a close that a
 * retry cannot fix (see `closeReason`).
 */
export function createPositionReporter(options: PositionReporterOptions): PositionReporter {
  const WebSocketImpl = (options.WebSocket ?? globalThis.WebSocket) as WebSocketLike;
  const maxQueued = options.maxQueuedPoints ?? 600;
  const syncTimeoutMs = options.syncTimeoutMs ?? 10_000;
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const problemListeners = new Set<(problem: ReportProblem) => void>();

  let state: ConnectionState = "closed";
  let closeReason: string | null = null;
  let socket: WebSocket | null = null;
  let ready = false;
  let stopped = false;
  let attempt = 0;
  let seq = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let syncTimer: ReturnType<typeof setTimeout> | null = null;
  /** Not yet sent, oldest first. */
  let unsent: ReportedPoint[] = [];
  /** Sent on the current socket, not yet confirmed by a sync. */
  let unconfirmed: SentReport[] = [];
  let waiters: FlushWaiter[] = [];

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const unconfirmedPoints = () => unconfirmed.reduce((n, sent) => n + sent.points.length, 0);

  const trimQueue = () => {
    const excess = unconfirmedPoints() + unsent.length - maxQueued;
    if (excess > 0) unsent.splice(0, Math.min(excess, unsent.length));
  };

  const sendMessage = (message: PositionSocketMessage) => socket?.send(JSON.stringify(message));

  const sendUnsent = () => {
    while (ready && unsent.length > 0) {
      const points = unsent.splice(0, BATCH);
      const report = { seq: ++seq, points };
      unconfirmed.push(report);
      sendMessage({ type: "report", ...report });
    }
  };

  const sendSync = () => {
    if (!ready || syncTimer) return;
    sendMessage({ type: "sync", seq: ++seq });
    const current = socket;
    syncTimer = setTimeout(() => {
      syncTimer = null;
      if (current && current === socket) dropSocket(current, "no answer to a sync");
    }, syncTimeoutMs);
  };

  const onSynced = (syncedSeq: number) => {
    if (syncTimer) clearTimeout(syncTimer);
    syncTimer = null;
    unconfirmed = unconfirmed.filter((sent) => sent.seq > syncedSeq);
    const [covered, waiting] = partition(waiters, (waiter) => waiter.afterSeq < syncedSeq);
    waiters = waiting;
    for (const waiter of covered) waiter.resolve();
    // Flushes that arrived while this sync was out need one of their own.
    if (waiters.length > 0) sendSync();
  };

  const onReply = (reply: PositionSocketReply) => {
    switch (reply.type) {
      case "ready":
        ready = true;
        attempt = 0;
        setState("open");
        sendUnsent();
        if (waiters.length > 0) sendSync();
        break;
      case "synced":
        onSynced(reply.seq);
        break;
      case "rejected":
        for (const listener of problemListeners) listener({ kind: "rejected", rejected: reply.rejected });
        break;
      case "error":
        for (const listener of problemListeners) listener({ kind: "error", code: reply.code, message: reply.message });
        break;
    }
  };

  /** Forgets `closed` and, unless the close was final, reconnects after a backoff. */
  const dropSocket = (closed: WebSocket, reason: string, code?: number) => {
    if (closed !== socket) return;
    socket = null;
    ready = false;
    if (syncTimer) clearTimeout(syncTimer);
    syncTimer = null;
    // What the old socket may have lost goes out first on the next one, in order.
    unsent = [...unconfirmed.flatMap((sent) => sent.points), ...unsent];
    unconfirmed = [];
    trimQueue();
    closed.onopen = closed.onmessage = closed.onclose = null;
    // Node's `ws` throws an "error" nobody listens to; the close above already did the work.
    closed.onerror = () => undefined;
    if (closed.readyState === closed.CONNECTING || closed.readyState === closed.OPEN) closed.close();
    if (code !== undefined && FINAL_CLOSE_CODES.has(code)) {
      stop(reason || `closed with code ${code}`);
      return;
    }
    setState("connecting");
    reconnectTimer = setTimeout(connect, reconnectDelayMs(attempt++));
  };

  function connect() {
    reconnectTimer = null;
    if (stopped) return;
    setState("connecting");
    const ws = new WebSocketImpl(webSocketUrl(options.url, PATH));
    socket = ws;
    ws.onopen = () => {
      void (async () => {
        const token = (options.getToken ? await options.getToken() : options.token) ?? "";
        if (socket === ws) sendMessage({ type: "auth", token });
      })();
    };
    ws.onmessage = (event: { data: unknown }) => onReply(JSON.parse(String(event.data)) as PositionSocketReply);
    ws.onclose = (event: { code: number; reason: string }) => dropSocket(ws, event.reason, event.code);
    // A failed connect also fires "close", which does the work.
    ws.onerror = () => undefined;
  }

  function stop(reason: string) {
    stopped = true;
    closeReason = reason;
    if (reconnectTimer) clearTimeout(reconnectTimer);
    if (syncTimer) clearTimeout(syncTimer);
    clearInterval(heartbeat);
    const error = new Error(`The position reporter closed: ${reason}`);
    for (const waiter of waiters.splice(0)) waiter.reject(error);
    setState("closed");
  }

  const heartbeat = setInterval(sendSync, options.syncIntervalMs ?? 30_000);
  connect();

  return {
    report(points) {
      if (stopped) return;
      unsent.push(...(Array.isArray(points) ? (points as readonly ReportedPoint[]) : [points as ReportedPoint]));
      trimQueue();
      sendUnsent();
    },
    flush() {
      if (stopped) return Promise.reject(new Error(`The position reporter closed: ${closeReason ?? "closed"}`));
      return new Promise<void>((resolve, reject) => {
        waiters.push({ afterSeq: seq, resolve, reject });
        sendSync();
      });
    },
    get state() {
      return state;
    },
    get closeReason() {
      return closeReason;
    },
    get queuedPoints() {
      return unsent.length + unconfirmedPoints();
    },
    onStateChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    onProblem(listener) {
      problemListeners.add(listener);
      return () => problemListeners.delete(listener);
    },
    close() {
      if (stopped) return;
      const current = socket;
      socket = null;
      current?.close(1000, "reporter closed");
      stop("closed by the app");
    },
  };
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}
