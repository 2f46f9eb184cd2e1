import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { eq, users } from "@convoy/db";
import { login, toPublicUser } from "../auth/login";
import { channels, type LogoutMessage } from "../events/channels";
import { consumeOrThrow } from "../lib/rateLimits";
import { authedProcedure, createTRPCRouter, publicProcedure } from "../trpc";

export const loginInputSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("email must be a valid address").max(255)),
  password: z.string().min(1, "password is required").max(200),
});

export const authRouter = createTRPCRouter({
  login: publicProcedure.input(loginInputSchema).mutation(async ({ ctx, input }) => {
    await consumeOrThrow(ctx.services.limits.login, input.email, "sign-in attempts");
    const result = await login(ctx.services.db, ctx.services.tokens, input);
    if (!result) throw new TRPCError({ code: "UNAUTHORIZED", message: "Wrong email or password" });
    return result;
  }),

  me: authedProcedure.query(async ({ ctx }) => {
    const [user] = await ctx.services.db.select().from(users).where(eq(users.id, ctx.user.id)).limit(1);
    if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "This account no longer exists" });
    return toPublicUser(user);
  }),

  /** Ends this token everywhere: every instance refuses it and closes the user's sockets. */
  logout: authedProcedure.mutation(({ ctx }) => {
    const message: LogoutMessage = {
      userId: ctx.user.id,
      tokenId: ctx.session.tokenId,
      expiresAt: ctx.session.expiresAt,
    };
    ctx.services.bus.publish(channels.logout, message);
    return { ok: true as const };
  }),
});
