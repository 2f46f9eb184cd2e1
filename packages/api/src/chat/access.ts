import { TRPCError } from "@trpc/server";
import { and, eq, offers, type Database, type UserRole } from "@convoy/db";
import type { ThreadDirectory } from "./threadDirectory";

/** A chat thread: the offer's dispatcher and one recipient driver. */
export interface Thread {
  offerId: number;
  driverId: number;
  dispatcherId: number;
}

export interface ChatUser {
  id: number;
  role: UserRole;
}

const threadNotFound = () => new TRPCError({ code: "NOT_FOUND", message: "Chat thread not found" });

/**
 * Resolves the thread a caller names and proves they belong to it. A driver's thread is
 * always their own (a `driverId` naming someone else is NOT_FOUND, not FORBIDDEN, so
 * nobody learns which threads exist); a dispatcher must own the offer.
 */
export async function resolveThread(
  threads: ThreadDirectory,
  user: ChatUser,
  input: { offerId: number; driverId?: number | undefined },
): Promise<Thread> {
  const driverId = driverSide(user, input);
  return threadOf(user, input.offerId, driverId, await threads.ownerOf(input.offerId, driverId));
}

/**
 * Runs `next` with the caller's thread (see `resolveThread`): at once, with no promise, when
 * the thread is remembered, as it is for every thread in use; after its lookup otherwise.
 */
export function withThread<O>(
  threads: ThreadDirectory,
  user: ChatUser,
  input: { offerId: number; driverId?: number | undefined },
  next: (thread: Thread) => O | Promise<O>,
): O | Promise<O> {
  const driverId = driverSide(user, input);
  const known = threads.knownOwnerOf(input.offerId, driverId);
  if (known === undefined) return resolveThread(threads, user, input).then(next);
  return next(threadOf(user, input.offerId, driverId, known));
}

/** The driver side of the thread a caller names, or the refusal of a name they may not use. */
function driverSide(user: ChatUser, input: { offerId: number; driverId?: number | undefined }): number {
  const driverId = user.role === "driver" ? user.id : input.driverId;
  if (driverId === undefined) throw new TRPCError({ code: "BAD_REQUEST", message: "driverId is required" });
  if (user.role === "driver" && input.driverId !== undefined && input.driverId !== user.id) throw threadNotFound();
  if (user.role === "rider") throw threadNotFound();
  return driverId;
}

/** The thread once its owner is known (null: no such thread), if the caller is on it. */
function threadOf(user: ChatUser, offerId: number, driverId: number, dispatcherId: number | null): Thread {
  if (dispatcherId === null) throw threadNotFound();
  if (user.role === "dispatcher" && dispatcherId !== user.id) throw threadNotFound();
  return { offerId, driverId, dispatcherId };
}

/**
 * Checks the optional narrowing of a `chat.events` subscription. Events are filtered by
 * audience anyway; this makes naming someone else's offer or thread NOT_FOUND, like every
 * other chat procedure.
 */
export async function authorizeChatScope(
  db: Database,
  threads: ThreadDirectory,
  user: ChatUser,
  scope: { offerId?: number | undefined; driverId?: number | undefined },
): Promise<void> {
  if (user.role === "driver" && scope.driverId !== undefined && scope.driverId !== user.id) throw threadNotFound();
  if (scope.offerId === undefined) return;
  if (user.role === "driver" || scope.driverId !== undefined) {
    await resolveThread(threads, user, { offerId: scope.offerId, driverId: scope.driverId });
    return;
  }
  const [offer] = await db
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.id, scope.offerId), eq(offers.createdBy, user.id)))
    .limit(1);
  if (!offer) throw threadNotFound();
}
