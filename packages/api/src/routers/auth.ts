import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { eq, hashPassword, sessions, users, verifyPassword } from "@convoy/db";
import { sessionEndedMessage } from "../auth/endReasons";
import { issueAccess, login, type SignedIn } from "../auth/login";
import { clearRefreshCookie, cookieApps, refreshCookieName, setRefreshCookie } from "../auth/refreshCookie";
import { sessionsOfUser } from "../auth/sessionStore";
import { consumeOrThrow } from "../lib/rateLimits";
import { authedProcedure, createTRPCRouter, publicProcedure, SessionEndedError, type Context } from "../trpc";

/**
 * Which app's HttpOnly cookie should carry the refresh token instead of the response body
 * (browser apps). Only honoured over HTTP.
 */
const refreshCookieSchema = z.enum(cookieApps).optional();

export const loginInputSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("email must be a valid address").max(255)),
  password: z.string().min(1, "password is required").max(200),
  refreshCookie: refreshCookieSchema,
});

export const refreshInputSchema = z
  .object({
    refreshToken: z.string().min(1).max(200).optional(),
    refreshCookie: refreshCookieSchema,
  })
  .refine((input) => (input.refreshToken === undefined) !== (input.refreshCookie === undefined), {
    error: "send either refreshToken or refreshCookie",
  });

const newPasswordSchema = z.string().min(8, "the new password needs at least 8 characters").max(200);

/** Hands the refresh token back in the body, or puts it in the app's cookie. */
function deliver(ctx: Context, signedIn: SignedIn, refreshToken: string, app: (typeof cookieApps)[number] | undefined): SignedIn {
  if (!app) return { ...signedIn, refreshToken };
  if (!ctx.http) throw new TRPCError({ code: "BAD_REQUEST", message: "refreshCookie works over HTTP only" });
  setRefreshCookie(ctx.http, app, refreshToken, (signedIn.sessionExpiresAt - Date.now()) / 1000);
  return signedIn;
}

export const authRouter = createTRPCRouter({
  /** Opens a session: a short access token and a refresh token (body or HttpOnly cookie). */
  login: publicProcedure.input(loginInputSchema).mutation(async ({ ctx, input }) => {
    await consumeOrThrow(ctx.services.limits, "login", input.email, "sign-in attempts");
    const result = await login(ctx.services, input);
    if (!result) throw new TRPCError({ code: "UNAUTHORIZED", message: "Wrong email or password" });
    if (result === "disabled") throw new TRPCError({ code: "FORBIDDEN", message: "This account has been disabled" });
    return deliver(ctx, result.signedIn, result.refreshToken, input.refreshCookie);
  }),

  /**
   * Swaps a refresh token for a new access token and a new refresh token. The old refresh
   * token is spent: presenting it again ends the session (see `rotateRefreshToken`).
   */
  refresh: publicProcedure.input(refreshInputSchema).mutation(async ({ ctx, input }) => {
    const presented = input.refreshToken ?? (input.refreshCookie ? ctx.http?.cookies.get(refreshCookieName(input.refreshCookie)) : undefined);
    if (!presented) throw new TRPCError({ code: "UNAUTHORIZED", message: "No refresh token was sent; sign in again" });
    const { services } = ctx;
    const outcome = await services.sessions.rotate(presented);
    switch (outcome.kind) {
      case "rotated":
        return deliver(
          ctx,
          issueAccess(services.tokens, outcome.state.user, outcome.sessionId, outcome.state.expiresAt),
          outcome.refreshToken,
          input.refreshCookie,
        );
      case "raced":
        throw new TRPCError({ code: "CONFLICT", message: "This session was refreshed at the same moment elsewhere; retry" });
      case "reused":
        if (ctx.http && input.refreshCookie) clearRefreshCookie(ctx.http, input.refreshCookie);
        throw new TRPCError({ code: "UNAUTHORIZED", message: sessionEndedMessage("refresh_reused"), cause: new SessionEndedError("refresh_reused") });
      case "ended":
        if (ctx.http && input.refreshCookie) clearRefreshCookie(ctx.http, input.refreshCookie);
        throw new TRPCError({ code: "UNAUTHORIZED", message: sessionEndedMessage(outcome.reason), cause: new SessionEndedError(outcome.reason) });
      case "unknown":
        // Most likely a session long gone (its row removed with its user, or a stale cookie).
        if (ctx.http && input.refreshCookie) clearRefreshCookie(ctx.http, input.refreshCookie);
        throw new TRPCError({ code: "UNAUTHORIZED", message: sessionEndedMessage("expired"), cause: new SessionEndedError("expired") });
    }
  }),

  /** The signed-in account, from the session held in memory: no query. */
  me: authedProcedure.query(({ ctx }) => ctx.session.state.user),

  /** Ends this session everywhere: every instance refuses its tokens and closes its streams. */
  logout: authedProcedure.input(z.object({ refreshCookie: refreshCookieSchema }).optional()).mutation(async ({ ctx, input }) => {
    await ctx.services.sessions.end(eq(sessions.id, ctx.session.sessionId), "logged_out");
    if (ctx.http && input?.refreshCookie) clearRefreshCookie(ctx.http, input.refreshCookie);
    return { ok: true as const };
  }),

  /** Ends every session of the caller, on every device. */
  logoutEverywhere: authedProcedure.input(z.object({ refreshCookie: refreshCookieSchema }).optional()).mutation(async ({ ctx, input }) => {
    const ended = await ctx.services.sessions.end(sessionsOfUser(ctx.user.id), "logged_out_everywhere");
    if (ctx.http && input?.refreshCookie) clearRefreshCookie(ctx.http, input.refreshCookie);
    return { ok: true as const, sessionsEnded: ended.length };
  }),

  /** Sets a new password after checking the current one; ends the account's other sessions. */
  changePassword: authedProcedure
    .input(z.object({ currentPassword: z.string().min(1, "currentPassword is required").max(200), newPassword: newPasswordSchema }))
    .mutation(async ({ ctx, input }) => {
      const { db } = ctx.services;
      const [user] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, ctx.user.id)).limit(1);
      if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash))) {
        throw new TRPCError({ code: "FORBIDDEN", message: "The current password is wrong" });
      }
      await db
        .update(users)
        .set({ passwordHash: await hashPassword(input.newPassword) })
        .where(eq(users.id, ctx.user.id));
      const ended = await ctx.services.sessions.end(sessionsOfUser(ctx.user.id, ctx.session.sessionId), "password_changed");
      return { ok: true as const, sessionsEnded: ended.length };
    }),
});
