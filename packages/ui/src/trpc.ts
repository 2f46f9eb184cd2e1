import { createTRPCReact } from "@trpc/react-query";
export { skipToken } from "@tanstack/react-query";
import type { AppRouter, RouterOutputs } from "@convoy/api";

/**
 * The typed React hooks for Convoy's API (`trpc.drivers.list.useQuery()`). One instance per
 * bundle: `ConvoyProvider` supplies the client and query cache it reads from.
 */
export const trpc = createTRPCReact<AppRouter>();

/** The signed-in user as `auth.me` returns it. */
export type SignedInUser = RouterOutputs["auth"]["me"];
export type Role = SignedInUser["role"];
