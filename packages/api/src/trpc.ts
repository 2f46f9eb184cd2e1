import { initTRPC, TRPCError } from "@trpc/server";
import type { SessionEndReason, UserRole } from "@convoy/db";
import { ApiKeyRegistry } from "./apiKeys/keyRegistry";
import { requireKeyScope } from "./apiKeys/procedureScopes";
import { sessionEndedMessage } from "./auth/endReasons";
import type { Session } from "./auth/sessionRegistry";
import { databaseUnavailable, isDatabaseUnavailable, withDatabaseErrors } from "./lib/errors";
import type { CallTransport } from "./lib/callStats";
import type { ConnectionBacklog } from "./lib/socketBacklog";
import { consumeOrThrow, spendNow } from "./lib/rateLimits";
import { describeIssues, readableIssues } from "./lib/validation";
import type { ApiServices } from "./services";

/** Why a request carries no session; tells the caller what to fix. */
export type AuthFailure = "missing" | "expired" | "invalid" | "ended";

/** What an HTTP request can do to its response beyond the tRPC body. */
export interface HttpExchange {
  /** The request's cookies, by name. */
  cookies: ReadonlyMap<string, string>;
  /** Adds a `Set-Cookie` header to the response. */
  setCookie: (header: string) => void;
  /** Whether the request came to a loopback host name, where cookies cannot be `Secure`. */
  isLocalhost: boolean;
}

export interface Context {
  services: ApiServices;
  session: Session | null;
  authFailure: AuthFailure | null;
  /** Set when `authFailure` is "ended". */
  endedReason: SessionEndReason | null;
  /** Whether the credential presented was an API key (`cvk_…`) rather than an access token. */
  viaApiKey: boolean;
  /** Set for HTTP requests; null on the WebSocket. */
  http: HttpExchange | null;
  /** The WebSocket's unread backlog, for streams that adapt to a slow reader; null over HTTP. */
  backlog: ConnectionBacklog | null;
  /** The remote address of the request or socket (a proxy's, behind one), for limits on anonymous callers; null if unknown. */
  address: string | null;
}

/**
 * Builds the context for one HTTP request or one WebSocket connection. The transport
 * hands over the raw token (Authorization header or `connectionParams.token`), an access
 * token or an API key; checking it happens here so HTTP and WS behave the same. A WebSocket
 * connection also passes its `backlog`, which its subscriptions use to hold back while the
 * reader is behind.
 */
export async function createContext(
  services: ApiServices,
  token: string | null | undefined,
  transport: { http?: HttpExchange | null; backlog?: ConnectionBacklog | null; address?: string | null } = {},
): Promise<Context> {
  const http = transport.http ?? null;
  const backlog = transport.backlog ?? null;
  const address = transport.address ?? null;
  // A session not held in memory is read from MySQL; MySQL being away is a retryable 503 for
  // the request (or the socket's connect), never a 500.
  const viaApiKey = !!token && ApiKeyRegistry.isApiKey(token);
  const authenticating = viaApiKey ? services.apiKeys.authenticate(token) : services.sessions.authenticate(token);
  const auth = await authenticating.catch((error: unknown) => {
    throw isDatabaseUnavailable(error) ? databaseUnavailable(error) : error;
  });
  if (auth.ok) return { services, session: auth.session, authFailure: null, endedReason: null, viaApiKey, http, backlog, address };
  return {
    services,
    session: null,
    authFailure: auth.reason,
    endedReason: auth.reason === "ended" ? auth.ended : null,
    viaApiKey,
    http,
    backlog,
    address,
  };
}

/** A refused call whose session has ended; the error's `data.sessionEnded` names why. */
export class SessionEndedError extends Error {
  constructor(readonly reason: SessionEndReason) {
    super(sessionEndedMessage(reason));
  }
}

/** What a procedure declares about itself with `.meta(...)`. */
export interface ProcedureMeta {
  /**
   * The procedure takes an idempotency key and spends the mutation budget itself (with
   * `spendMutationBudget`) only after finding that the key has no outcome yet, so a retry
   * that gets its first answer back costs no budget. @default false
   */
  keyedRetry?: boolean;
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const issues = error.code === "BAD_REQUEST" ? readableIssues(error.cause) : null;
      const message = issues
        ? describeIssues(issues)
        : error.code === "INTERNAL_SERVER_ERROR"
          ? "Something went wrong on the server; it has been logged"
          : shape.message;
      // Stacks stay in the server log, never in a response.
      const { stack: _stack, ...data } = shape.data;
      const sessionEnded = error.cause instanceof SessionEndedError ? error.cause.reason : null;
      return { ...shape, message, data: { ...data, issues, sessionEnded } };
    },
  });

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Turns "MySQL is down" into a retryable 503 instead of a 500, for a call's result and for
 * anything a subscription throws later; other results pass through. A subscription's
 * stream is counted open in `CallStats` while it is iterated.
 */
function withDatabaseAvailability<R extends { ok: boolean; error?: { cause?: unknown }; data?: unknown }>(
  ctx: Context,
  path: string,
  type: string,
  result: R,
): R {
  if (!result.ok && isDatabaseUnavailable(result.error?.cause)) throw databaseUnavailable(result.error);
  if (type === "subscription" && result.ok && isAsyncIterable(result.data)) {
    const { calls } = ctx.services;
    const lifetime = { opened: () => calls.subscriptionOpened(path), closed: () => calls.subscriptionClosed(path) };
    return { ...result, data: withDatabaseErrors(result.data, lifetime) };
  }
  return result;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

const transportOf = (ctx: Context): CallTransport => (ctx.http ? "http" : "ws");

// Every procedure goes through exactly one of the middlewares below, which also times the
// call: a middleware of its own would be one more level of tRPC's per-call copying (see
// `authedProcedure`).

const databaseAvailability = t.middleware(async ({ ctx, type, path, next }) => {
  const startedAt = performance.now();
  try {
    return withDatabaseAvailability(ctx, path, type, await next());
  } finally {
    ctx.services.calls.finished(path, type, transportOf(ctx), startedAt);
  }
});

export const publicProcedure = t.procedure.use(databaseAvailability);

const AUTH_MESSAGES: Record<AuthFailure, string> = {
  missing: "Sign in first: no token was sent",
  expired: "Your access token has expired; refresh it or sign in again",
  invalid: "The token is not valid; sign in again",
  ended: "Your session has ended; sign in again",
};

const API_KEY_MESSAGES: Partial<Record<AuthFailure | SessionEndReason, string>> = {
  invalid: "This API key is not valid: no such key, or not as it was issued",
  expired: "This API key has expired; create a new one",
};

function unauthorized(failure: AuthFailure, ended: SessionEndReason | null, viaApiKey: boolean): TRPCError {
  const keyMessage = viaApiKey ? API_KEY_MESSAGES[ended ?? failure] : undefined;
  if (ended) {
    return new TRPCError({ code: "UNAUTHORIZED", message: keyMessage ?? sessionEndedMessage(ended), cause: new SessionEndedError(ended) });
  }
  return new TRPCError({ code: "UNAUTHORIZED", message: keyMessage ?? AUTH_MESSAGES[failure] });
}

/**
 * The caller's live session, or UNAUTHORIZED. Expiry is checked on every call, not only at
 * connect, because a WebSocket outlives the token it opened with. A call made with an API
 * key spends the key's budget and needs the scope `path` is mapped to (FORBIDDEN without).
 * Mutations spend the per-user rate limit, except keyed ones (`ProcedureMeta.keyedRetry`),
 * which spend it in their handler once they know the call is not a retry.
 */
async function requireSession(ctx: Context, type: string, path: string, meta: ProcedureMeta | undefined): Promise<Session> {
  const { session } = ctx;
  if (!session) throw unauthorized(ctx.authFailure ?? "missing", ctx.endedReason, ctx.viaApiKey);
  if (type === "subscription" && ctx.http) {
    throw new TRPCError({
      code: "METHOD_NOT_SUPPORTED",
      message: "Subscriptions are served over the WebSocket at /trpc only, not as HTTP event streams",
    });
  }
  const now = Date.now();
  if (!ctx.services.sessions.isLive(session, now)) {
    const ended = ctx.services.sessions.endReason(session.state, now);
    throw unauthorized(ended ? "ended" : "expired", ended, ctx.viaApiKey);
  }
  if (session.apiKey) {
    ctx.services.apiKeys.spend(session.apiKey, now);
    requireKeyScope(session.apiKey.scopes, path);
  }
  if (type === "mutation" && !meta?.keyedRetry) {
    // Spent as a direct call spends it: no promise for a budget kept in this process.
    const spending = spendMutationBudgetNow(ctx.services, session.userId);
    if (spending) await spending;
  }
  return session;
}

/** Spends one point of `userId`'s mutation budget, or throws TOO_MANY_REQUESTS. */
export function spendMutationBudget(services: Pick<ApiServices, "limits">, userId: number): Promise<void> {
  return consumeOrThrow(services.limits, "mutation", String(userId), "requests");
}

/** `spendMutationBudget` with no promise when the budget is kept in this process (see `spendNow`). */
export function spendMutationBudgetNow(services: Pick<ApiServices, "limits">, userId: number): Promise<void> | undefined {
  return spendNow(services.limits, "mutation", String(userId), "requests");
}

/**
 * `userId`'s mutation budget for a keyed mutation that spends before it knows whether the
 * call is a retry, and gives the point back when it finds the call's outcome stored.
 */
export function mutationBudget(services: Pick<ApiServices, "limits">, userId: number): { spend: () => Promise<void>; refund: () => Promise<void> } {
  return {
    spend: () => spendMutationBudget(services, userId),
    refund: async () => {
      await services.limits.mutation.reward(String(userId), 1);
    },
  };
}

/**
 * A keyed mutation that failed (bad input, a refused key, no such thread) still costs a
 * point, so only a retry that found its outcome is free. Never throws: the call's own
 * error is what the caller gets.
 */
export async function chargeFailedKeyedCall(ctx: Context, userId: number): Promise<void> {
  await ctx.services.limits.mutation.consume(String(userId)).catch(() => undefined);
}

// Middlewares pass only the context keys they change: tRPC merges them into the context.

/**
 * Requires a live session; see `requireSession`. The database check is folded into the
 * same middleware rather than stacked on `publicProcedure`: tRPC copies the call's options
 * (and context) at every middleware level; with tRPC's published object-spread helper that
 * copying costs a sixth of the server's CPU under the fleet benchmark (see bench/README.md).
 */
export const authedProcedure = t.procedure.use(async ({ ctx, type, path, meta, next }) => {
  const startedAt = performance.now();
  try {
    const session = await requireSession(ctx, type, path, meta);
    const result = await next({ ctx: { session, user: { id: session.userId, role: session.role } } });
    // Checked here rather than inside: no await on the hot path of every other call.
    if (!result.ok && meta?.keyedRetry) await chargeFailedKeyedCall(ctx, session.userId);
    return withDatabaseAvailability(ctx, path, type, result);
  } finally {
    ctx.services.calls.finished(path, type, transportOf(ctx), startedAt);
  }
});

/**
 * Requires a live session in one of `roles`, refusing any other role with FORBIDDEN and
 * `refusal`'s message. One middleware rather than `authedProcedure` plus a role check, for
 * the reason above: these procedures carry the hottest calls (a driver's position report
 * every second, every chat message and offer).
 */
export function roleProcedure<R extends UserRole>(roles: readonly R[], refusal: (role: UserRole) => string) {
  const isAllowed = (role: UserRole): role is R => (roles as readonly UserRole[]).includes(role);
  return t.procedure.use(async ({ ctx, type, path, meta, next }) => {
    const startedAt = performance.now();
    try {
      const session = await requireSession(ctx, type, path, meta);
      const { role } = session;
      if (!isAllowed(role)) throw new TRPCError({ code: "FORBIDDEN", message: refusal(role) });
      const result = await next({ ctx: { session, user: { id: session.userId, role } } });
      if (!result.ok && meta?.keyedRetry) await chargeFailedKeyedCall(ctx, session.userId);
      return withDatabaseAvailability(ctx, path, type, result);
    } finally {
      ctx.services.calls.finished(path, type, transportOf(ctx), startedAt);
    }
  });
}

export const onlyRole = (role: UserRole) => (actual: UserRole) => `Only a ${role} can do this; you are signed in as a ${actual}`;

export const dispatcherProcedure = roleProcedure(["dispatcher"], onlyRole("dispatcher"));
export const driverProcedure = roleProcedure(["driver"], onlyRole("driver"));
export const riderProcedure = roleProcedure(["rider"], onlyRole("rider"));

/** The roles that take part in offers and chat. */
export const PARTICIPANT_ROLES = ["dispatcher", "driver"] as const;

/** Dispatchers and drivers, who take part in offers and chat; riders are refused with `refusal`'s message. */
export const participantProcedure = (refusal: (role: UserRole) => string) => roleProcedure(PARTICIPANT_ROLES, refusal);
