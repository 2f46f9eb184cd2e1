import { getTRPCErrorFromUnknown, type AnyTRPCRouter, type TRPCError } from "@trpc/server";
import type { z } from "zod";
import type { UserRole } from "@convoy/db";
import { closingWith, type OpenStream } from "./events/openStream";
import { mergeStreams } from "./events/merge";
import { databaseUnavailable, isDatabaseUnavailable } from "./lib/errors";
import type { ConnectionBacklog } from "./lib/socketBacklog";
import type { ApiServices } from "./services";
import { chargeFailedKeyedCall, roleProcedure, spendMutationBudgetNow, type Context, type ProcedureMeta } from "./trpc";

/** What a direct mutation's resolver is given: the call's services, caller and parsed input. */
export interface DirectCall<R extends UserRole, I> {
  services: ApiServices;
  user: { id: number; role: R };
  input: I;
}

/** A mutation declared with `directMutation`: its rules and resolver, shared by both ways of running it. */
interface DirectMutationDefinition<R extends UserRole = UserRole, S extends z.ZodType = z.ZodType, O = unknown> {
  roles: readonly R[];
  /** The FORBIDDEN message for any other role. */
  refusal: (role: UserRole) => string;
  meta?: ProcedureMeta;
  input: S;
  /**
   * The call's work. It may answer without a promise when it has nothing to wait for (a
   * typing notice in a remembered thread): the socket's direct path then answers at once.
   */
  resolve: (call: DirectCall<R, z.output<S>>) => O | Promise<O>;
}

/** Procedures built by `directMutation` → their definition. */
const definitions = new WeakMap<object, DirectMutationDefinition>();

/**
 * A subscription's open streams: each source is read (or piped, when it can be) on its own
 * and its items sent as they come (items of different sources interleave in no set order);
 * the first source to end or fail ends the subscription. `close` stops every source, which
 * ends a read waiting for items.
 */
export interface DirectStreams<T> {
  sources: Pick<OpenStream<T>, "read" | "pipe">[];
  close: () => void;
}

/** A subscription declared with `directSubscription`. */
interface DirectSubscriptionDefinition<R extends UserRole = UserRole, S extends z.ZodType = z.ZodType, T = unknown> {
  roles: readonly R[];
  refusal: (role: UserRole) => string;
  input: S;
  /**
   * Checks the caller's scope and opens the streams, listening before it resolves, so that
   * `started` means every item from then on arrives.
   */
  open: (call: DirectCall<R, z.output<S>> & { backlog: ConnectionBacklog | null }) => Promise<DirectStreams<T>>;
}

/** Procedures built by `directSubscription` → their definition. */
const subscriptionDefinitions = new WeakMap<object, DirectSubscriptionDefinition>();

/**
 * A mutation for one of `roles` that a tRPC WebSocket may also run without tRPC's per-call
 * machinery (message parsing, the middleware chain's copies of the call's options, the
 * response transform), which is most of a short call's cost: the chat floor through tRPC
 * with the calls answered directly spent 0.19–0.20 ms per message against 0.25–0.28 with
 * them through the adapter (bench/README.md). Over HTTP, and on the socket for any call that
 * would not pass every check (see `runDirectMutation`), it is an ordinary procedure built
 * from the same definition: the same role check, budget, input schema and resolver.
 */
export function directMutation<R extends UserRole, S extends z.ZodType, O>(definition: DirectMutationDefinition<R, S, O>) {
  const procedure = roleProcedure(definition.roles, definition.refusal)
    .meta(definition.meta ?? {})
    .input(definition.input)
    .mutation(({ ctx, input }) => definition.resolve({ services: ctx.services, user: ctx.user, input: input as z.output<S> }));
  definitions.set(procedure, definition as unknown as DirectMutationDefinition);
  return procedure;
}

/**
 * A subscription for one of `roles` that a tRPC WebSocket may also serve without tRPC's
 * adapter: each source's items are written to the socket as they come, without the merge,
 * the adapter's step per item or its response transform. Through tRPC (and on the socket for
 * a call `openDirectSubscription` declines) it is an ordinary subscription from the same
 * definition, its sources merged.
 */
export function directSubscription<R extends UserRole, S extends z.ZodType, T>(definition: DirectSubscriptionDefinition<R, S, T>) {
  const procedure = roleProcedure(definition.roles, definition.refusal)
    .input(definition.input)
    .subscription(async ({ ctx, input }) => {
      const { sources, close } = await definition.open({ services: ctx.services, user: ctx.user, input: input as z.output<S>, backlog: ctx.backlog });
      // No abort listener on the call's signal (each stays on it while the subscription is
      // open): tRPC returns the stream when the subscription ends, which closes every
      // source, and the merge ends with them.
      const [only] = sources;
      const merged = sources.length === 1 && only ? only.read(undefined) : mergeStreams<T>(undefined, ...sources.map((source) => source.read));
      return closingWith(merged, close);
    });
  subscriptionDefinitions.set(procedure, definition as unknown as DirectSubscriptionDefinition);
  return procedure;
}

/** The router's direct subscriptions by path (`"chat.events"`). */
export function directSubscriptionsOf(router: AnyTRPCRouter): ReadonlyMap<string, DirectSubscriptionDefinition> {
  return registeredIn(router, subscriptionDefinitions);
}

/** A direct subscription's opening: its streams, or the error tRPC would have answered with. */
export type DirectOpening = { ok: true; streams: DirectStreams<unknown> } | { ok: false; error: TRPCError };

/**
 * Opens `definition`'s streams for a WebSocket subscription, or returns null when the call is
 * not one to serve directly (the same rules as `runDirectMutation`); tRPC then takes it.
 */
export function openDirectSubscription(ctx: Context, definition: DirectSubscriptionDefinition, rawInput: unknown): Promise<DirectOpening> | null {
  const caller = directCaller(ctx, definition, rawInput);
  if (!caller) return null;
  return definition.open({ services: ctx.services, ...caller, backlog: ctx.backlog }).then(
    (streams): DirectOpening => ({ ok: true, streams }),
    (thrown: unknown): DirectOpening => ({ ok: false, error: callError(thrown) }),
  );
}

/** What a direct call or stream that threw answers with: MySQL being away is SERVICE_UNAVAILABLE, as in the procedures. */
export function callError(thrown: unknown): TRPCError {
  const error = getTRPCErrorFromUnknown(thrown);
  return isDatabaseUnavailable(error.cause) ? databaseUnavailable(error) : error;
}

/** The router's direct mutations by path (`"chat.send"`). */
export function directMutationsOf(router: AnyTRPCRouter): ReadonlyMap<string, DirectMutationDefinition> {
  return registeredIn(router, definitions);
}

/** The router's procedures found in `registry`, by path, with what it holds for each. */
function registeredIn<D>(router: AnyTRPCRouter, registry: WeakMap<object, D>): ReadonlyMap<string, D> {
  const found = new Map<string, D>();
  for (const [path, procedure] of Object.entries(router._def.procedures as Record<string, object>)) {
    const definition = registry.get(procedure);
    if (definition !== undefined) found.set(path, definition);
  }
  return found;
}

/**
 * The caller and parsed input of a call to serve directly, or null for one tRPC must take:
 * no live session, an API key (its budget and scopes are spent and checked in
 * `requireSession`), a role the procedure refuses, or input its schema refuses.
 */
function directCaller(ctx: Context, definition: { roles: readonly UserRole[]; input: z.ZodType }, rawInput: unknown) {
  const { session } = ctx;
  if (!session || session.apiKey || !ctx.services.sessions.isLive(session, Date.now())) return null;
  if (!definition.roles.includes(session.role)) return null;
  const parsed = definition.input.safeParse(rawInput);
  return parsed.success ? { user: { id: session.userId, role: session.role }, input: parsed.data } : null;
}

/** How a direct mutation ended: its result, or the error tRPC would have answered with. */
export type DirectOutcome = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/**
 * Runs `definition` for a WebSocket call, or returns null when the call is not one to run
 * directly: no live session, an API key (its budget and scopes are spent and checked in
 * `requireSession`), another role, or input the schema refuses. A null call goes to tRPC,
 * which refuses it exactly as it refuses any other; nothing has been spent or changed.
 *
 * A call that passes does what the procedure does, in its order: the mutation budget
 * (unless keyed, whose resolver spends it), the resolver, a failed keyed call charged, MySQL
 * being away answered as SERVICE_UNAVAILABLE, and the call timed in `CallStats`. A call with
 * nothing to wait for (a budget kept in this process, a resolver that answers at once) is
 * settled before this returns: its outcome, not a promise of it.
 */
export function runDirectMutation(
  ctx: Context,
  path: string,
  definition: DirectMutationDefinition,
  rawInput: unknown,
): DirectOutcome | Promise<DirectOutcome> | null {
  const caller = directCaller(ctx, definition, rawInput);
  return caller && settle(ctx, path, definition, caller.user, caller.input);
}

function settle(
  ctx: Context,
  path: string,
  definition: DirectMutationDefinition,
  user: { id: number; role: UserRole },
  input: unknown,
): DirectOutcome | Promise<DirectOutcome> {
  const { services } = ctx;
  const startedAt = performance.now();
  const keyed = definition.meta?.keyedRetry === true;
  const done = (outcome: DirectOutcome): DirectOutcome => {
    services.calls.finished(path, "mutation", "ws", startedAt);
    return outcome;
  };
  const failed = (thrown: unknown) => done({ ok: false, error: callError(thrown) });
  const resolverFailed = (thrown: unknown) => (keyed ? chargeFailedKeyedCall(ctx, user.id).then(() => failed(thrown), failed) : failed(thrown));
  const resolve = (): DirectOutcome | Promise<DirectOutcome> => {
    let result: unknown;
    try {
      result = definition.resolve({ services, user, input });
    } catch (thrown) {
      return resolverFailed(thrown);
    }
    if (!(result instanceof Promise)) return done({ ok: true, data: result });
    return result.then((data: unknown) => done({ ok: true, data }), resolverFailed);
  };
  if (keyed) return resolve();
  let spending: Promise<void> | undefined;
  try {
    spending = spendMutationBudgetNow(services, user.id);
  } catch (thrown) {
    return failed(thrown);
  }
  return spending ? spending.then(resolve, failed) : resolve();
}
