import { initTRPC, TRPCError } from "@trpc/server";
import type { UserRole } from "@convoy/db";
import type { Session } from "./auth/tokens";
import { isDatabaseUnavailable } from "./lib/errors";
import type { ConnectionBacklog } from "./lib/socketBacklog";
import { consumeOrThrow } from "./lib/rateLimits";
import { describeIssues, readableIssues } from "./lib/validation";
import type { ApiServices } from "./services";

/** Why a request carries no session; tells the caller what to fix. */
export type AuthFailure = "missing" | "expired" | "invalid";

export interface Context {
  services: ApiServices;
  session: Session | null;
  authFailure: AuthFailure | null;
  /** The WebSocket's unread backlog, for streams that adapt to a slow reader; null over HTTP. */
  backlog: ConnectionBacklog | null;
}

/**
 * Builds the context for one HTTP request or one WebSocket connection. The transport
 * hands over the raw token (Authorization header or `connectionParams.token`); checking it
 * happens here so HTTP and WS behave the same. A WebSocket connection also passes its
 * `backlog`, which its subscriptions use to hold back while the reader is behind.
 */
export async function createContext(
  services: ApiServices,
  token: string | null | undefined,
  backlog: ConnectionBacklog | null = null,
): Promise<Context> {
  if (!token) return { services, session: null, authFailure: "missing", backlog };
  const check = await services.tokens.verify(token);
  if (check.ok && services.sessions.isRevoked(check.session.tokenId)) {
    return { services, session: null, authFailure: "expired", backlog };
  }
  return check.ok
    ? { services, session: check.session, authFailure: null, backlog }
    : { services, session: null, authFailure: check.reason, backlog };
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const issues = error.code === "BAD_REQUEST" ? readableIssues(error.cause) : null;
    const message = issues
      ? describeIssues(issues)
      : error.code === "INTERNAL_SERVER_ERROR"
        ? "Something went wrong on the server; it has been logged"
        : shape.message;
    // Stacks stay in the server log, never in a response.
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message, data: { ...data, issues } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Turns "MySQL is down" into a retryable 503 instead of a 500; other results pass through. */
function withDatabaseAvailability<R extends { ok: boolean; error?: { cause?: unknown } }>(result: R): R {
  if (!result.ok && isDatabaseUnavailable(result.error?.cause)) {
    throw new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: "The database is unreachable right now; retry in a few seconds",
      cause: result.error,
    });
  }
  return result;
}

const databaseAvailability = t.middleware(async ({ next }) => withDatabaseAvailability(await next()));

export const publicProcedure = t.procedure.use(databaseAvailability);

const AUTH_MESSAGES: Record<AuthFailure, string> = {
  missing: "Sign in first: no token was sent",
  expired: "Your session has expired; sign in again",
  invalid: "The token is not valid; sign in again",
};

/**
 * The caller's live session, or UNAUTHORIZED. Expiry is checked on every call, not only at
 * connect, because a WebSocket outlives the token it opened with. Mutations spend the
 * per-user rate limit.
 */
async function requireSession(ctx: Context, type: string): Promise<Session> {
  const { session } = ctx;
  if (!session) throw new TRPCError({ code: "UNAUTHORIZED", message: AUTH_MESSAGES[ctx.authFailure ?? "missing"] });
  if (!ctx.services.sessions.isLive(session)) throw new TRPCError({ code: "UNAUTHORIZED", message: AUTH_MESSAGES.expired });
  if (type === "mutation") await consumeOrThrow(ctx.services.limits.mutation, String(session.userId), "requests");
  return session;
}

// Middlewares pass only the context keys they change: tRPC merges them into the context.

/**
 * Requires a live session; see `requireSession`. The database check is folded into the
 * same middleware rather than stacked on `publicProcedure`: tRPC copies the call's options
 * (and context) at every middleware level; with tRPC's published object-spread helper that
 * copying costs a sixth of the server's CPU under the fleet benchmark (see bench/README.md).
 */
export const authedProcedure = t.procedure.use(async ({ ctx, type, next }) => {
  const session = await requireSession(ctx, type);
  return withDatabaseAvailability(await next({ ctx: { session, user: { id: session.userId, role: session.role } } }));
});

/**
 * Requires a live session of one role. One middleware rather than `authedProcedure` plus a
 * role check, for the reason above: these procedures carry the hottest calls (a driver's
 * position report every second).
 */
function roleProcedure<R extends UserRole>(role: R) {
  return t.procedure.use(async ({ ctx, type, next }) => {
    const session = await requireSession(ctx, type);
    if (session.role !== role) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `Only a ${role} can do this; you are signed in as a ${session.role}`,
      });
    }
    return withDatabaseAvailability(await next({ ctx: { session, user: { id: session.userId, role } } }));
  });
}

export const dispatcherProcedure = roleProcedure("dispatcher");
export const driverProcedure = roleProcedure("driver");
export const riderProcedure = roleProcedure("rider");
