import { listApiKeys } from "../apiKeys/keyStore";
import { apiKeyIdInputSchema, createApiKeyInputSchema } from "../apiKeys/schemas";
import { createTRPCRouter, dispatcherProcedure } from "../trpc";

/** A dispatcher's keys for other services. No key can call these (see `procedureScopes.ts`). */
export const apiKeysRouter = createTRPCRouter({
  /**
   * Makes a key with `scopes`, optionally expiring after `expiresInDays`. The answer's `key`
   * is the only time the key is ever shown: only its hash is kept. CONFLICT past 50 active keys.
   */
  create: dispatcherProcedure.input(createApiKeyInputSchema).mutation(({ ctx, input }) => ctx.services.apiKeys.create(ctx.user.id, input)),

  /** The dispatcher's own keys, newest first (200 at most), revoked ones included; never a secret. */
  list: dispatcherProcedure.query(({ ctx }) => listApiKeys(ctx.services.db, ctx.user.id)),

  /** Revokes one of the dispatcher's own keys; its sockets close on every instance within a second. */
  revoke: dispatcherProcedure.input(apiKeyIdInputSchema).mutation(({ ctx, input }) => ctx.services.apiKeys.revoke(ctx.user.id, input.keyId)),
});
