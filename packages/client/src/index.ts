import { createTRPCClient, createWSClient, httpBatchLink, httpLink, splitLink, wsLink, type TRPCClient, type TRPCLink } from "@trpc/client";
import type { AppRouter } from "@convoy/api";
import { transientRetryLink } from "./retry";
import { SESSION_ENDED, toEndReason, type ConvoySession, type SessionEndReason, type SessionEnded } from "./session";
import { sessionLink } from "./sessionLink";
import { resubscribeLink, type ResubscribeLinkOptions } from "./resubscribe";
import { reconnectDelayMs, webSocketUrl } from "./socketUrl";

export type { AppRouter, RouterInputs, RouterOutputs } from "@convoy/api";
export { TRPCClientError } from "@trpc/client";
export type { ResubscribeLinkOptions } from "./resubscribe";
export {
  createPositionReporter,
  type PositionReporter,
  type PositionReporterOptions,
  type ReportProblem,
  type ReportedPoint,
  type Rejection,
} from "./positionReporter";
export { uploadProof, ProofUploadError, type UploadProofOptions } from "./proofUpload";
export type { DeliveryProofView, ProofFileLink, UploadedProofFile } from "@convoy/api";
export {
  createConvoySession,
  type ConvoySession,
  type ConvoySessionOptions,
  type SessionEnded,
  type SessionEndReason,
  type SessionStart,
  toEndReason,
} from "./session";

/** The WebSocket's state as a UI or service should see it. */
export type ConnectionState = "connecting" | "open" | "closed";

/** A WebSocket constructor: the browser's global, or `ws` in Node. */
export type WebSocketLike = new (url: string, protocols?: string | string[]) => WebSocket;

export interface ConvoyClientOptions {
  /** Server origin, e.g. `http://localhost:3000`, or `""` for same-origin in a browser. */
  url: string;
  /** A fixed access token. */
  token?: string | null;
  /**
   * A dispatcher's API key (`cvk_…`, from `apiKeys.create`), for services: sent in place of
   * a token, acting as that dispatcher within the key's scopes. It does not expire unless
   * created to; once it is revoked the client stops with `sessionEnded` `key_revoked`.
   * Takes precedence over `token` and `getToken`.
   */
  apiKey?: string;
  /** Called for every HTTP request and every (re)connect, so a refreshed token is picked up. */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /**
   * A signed-in session (`createConvoySession`) whose access token is refreshed before it
   * expires; the socket re-authenticates on the server's reconnect notice without losing
   * its subscriptions. Takes precedence over `apiKey`, `token` and `getToken`.
   */
  session?: ConvoySession;
  /** Needed in Node 20, which has no global WebSocket: pass `ws`'s default export. */
  WebSocket?: unknown;
  /** Open the socket only when a subscription needs it. @default true */
  lazy?: boolean;
  /** Extra links before the transport, e.g. logging. */
  links?: TRPCLink<AppRouter>[];
  /**
   * What travels over the WebSocket. `"subscriptions"`: only subscriptions; queries and
   * mutations are batched over HTTP. `"all"`: every call shares the one socket, which saves an
   * HTTP request and a token check per call (on both ends). Meant for callers that call
   * often and hold the socket anyway, like a driver reporting its position every second.
   * @default "subscriptions"
   */
  socketFor?: "subscriptions" | "all";
  /**
   * Whether HTTP calls made in the same tick share one request. A batch waits for a timer
   * (at least 1 ms in Node) before it leaves; a caller that makes one call at a time and
   * wants it sent at once sets this to false (one request per call). @default true
   */
  batch?: boolean;
  /**
   * Subscriptions are made again after a retryable error (SERVICE_UNAVAILABLE, no answer),
   * from their last event id; only other errors reach `onError`. Tune the backoff or watch
   * the retries here. @default 250 ms doubling to 5 s, jittered
   */
  resubscribe?: ResubscribeLinkOptions;
}

export interface ConvoyClient {
  /**
   * Why the session ended (logged out, revoked, expired and not refreshable), or null. Once
   * set, the socket no longer reconnects: the user must sign in again.
   */
  readonly sessionEnded: SessionEnded | null;
  /** Calls `listener` once the session has ended; returns an unsubscribe function. */
  onSessionEnded: (listener: (ended: SessionEnded) => void) => () => void;
  /** The typed tRPC client: `client.offers.create.mutate(...)`. */
  api: TRPCClient<AppRouter>;
  /** The current socket state. */
  readonly connectionState: ConnectionState;
  /** Calls `listener` on every state change; returns an unsubscribe function. */
  onConnectionStateChange: (listener: (state: ConnectionState) => void) => () => void;
  /** Closes the socket for good. */
  close: () => Promise<void>;
}

/** The transport behind a Convoy client, for callers that build their own tRPC client (React). */
export interface ConvoyLinks {
  /**
   * Why the session ended (logged out, revoked, expired and not refreshable), or null. Once
   * set, the socket no longer reconnects: the user must sign in again.
   */
  readonly sessionEnded: SessionEnded | null;
  /** Calls `listener` once the session has ended; returns an unsubscribe function. */
  onSessionEnded: (listener: (ended: SessionEnded) => void) => () => void;
  /** `splitLink`: subscriptions over the WebSocket, everything else batched over HTTP. */
  links: TRPCLink<AppRouter>[];
  /** The current socket state. */
  readonly connectionState: ConnectionState;
  /** Calls `listener` on every state change; returns an unsubscribe function. */
  onConnectionStateChange: (listener: (state: ConnectionState) => void) => () => void;
  /** Closes the socket for good. */
  close: () => Promise<void>;
}

/**
 * Builds the links and the one WebSocket a Convoy client uses, without the client, so that
 * `@trpc/react-query` (which makes its own client) shares exactly the transport services use.
 */
export function createConvoyLinks(options: ConvoyClientOptions): ConvoyLinks {
  const { session } = options;
  const { apiKey } = options;
  const readToken = async () =>
    (session ? await session.getToken() : apiKey ? apiKey : options.getToken ? await options.getToken() : options.token) ?? null;
  let state: ConnectionState = "closed";
  const listeners = new Set<(state: ConnectionState) => void>();
  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of listeners) listener(next);
  };
  let ended: SessionEnded | null = null;
  const endedListeners = new Set<(ended: SessionEnded) => void>();
  /** The session is over: stop reconnecting (a dead token would only be refused) and say why. */
  const endSession = (reason: SessionEndReason) => {
    if (ended) return;
    ended = { reason };
    session?.end(reason);
    void wsClient.close();
    for (const listener of endedListeners) listener(ended);
  };
  const stopWatchingSession = session?.onEnded(({ reason }) => endSession(reason));

  const wsClient = createWSClient({
    url: webSocketUrl(options.url, "/trpc"),
    WebSocket: options.WebSocket as typeof WebSocket | undefined,
    lazy: { enabled: options.lazy ?? true, closeMs: 10_000 },
    keepAlive: { enabled: true, intervalMs: 20_000, pongTimeoutMs: 10_000 },
    connectionParams: async () => ({ token: (await readToken()) ?? "" }),
    retryDelayMs: reconnectDelayMs,
    onOpen: () => setState("open"),
    onClose: (event) => {
      setState("closed");
      // The browser and `ws` both pass a CloseEvent, which carries the reason too.
      if (event?.code === SESSION_ENDED) endSession(toEndReason((event as { reason?: string }).reason));
    },
  });
  const http = {
    url: `${options.url.replace(/\/$/, "")}/trpc`,
    headers: async () => {
      const token = await readToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  };

  wsClient.connectionState.subscribe({
    next: (connection) => {
      if (connection.state === "connecting") setState("connecting");
      else if (connection.state === "pending") setState("open");
      else setState("closed");
    },
  });

  return {
    links: [
      ...(options.links ?? []),
      sessionLink({ session: session ?? null, onEnded: endSession }),
      resubscribeLink({ ...options.resubscribe, stopped: () => ended !== null }),
      transientRetryLink(),
      splitLink({
        condition: (operation) => options.socketFor === "all" || operation.type === "subscription",
        true: wsLink({ client: wsClient }),
        false: options.batch === false ? httpLink(http) : httpBatchLink({ ...http, maxItems: 20 }),
      }),
    ],
    get connectionState() {
      return state;
    },
    onConnectionStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get sessionEnded() {
      return ended;
    },
    onSessionEnded(listener) {
      endedListeners.add(listener);
      return () => endedListeners.delete(listener);
    },
    close: async () => {
      stopWatchingSession?.();
      await wsClient.close();
    },
  };
}

/**
 * Creates a typed Convoy client. Queries and mutations go over HTTP (batched);
 * subscriptions go over one WebSocket that reconnects on its own and resumes durable
 * streams from the last event it saw, after a dropped socket or a retryable error alike.
 */
export function createConvoyClient(options: ConvoyClientOptions): ConvoyClient {
  const transport = createConvoyLinks(options);
  return {
    api: createTRPCClient<AppRouter>({ links: transport.links }),
    get connectionState() {
      return transport.connectionState;
    },
    onConnectionStateChange: transport.onConnectionStateChange,
    get sessionEnded() {
      return transport.sessionEnded;
    },
    onSessionEnded: transport.onSessionEnded,
    close: transport.close,
  };
}
