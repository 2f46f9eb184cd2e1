import { getTRPCErrorShape, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { appRouter } from "@convoy/api/server";

type CallType = "query" | "mutation" | "subscription" | "unknown";

/**
 * The error a refused call gets, shaped by the router's own error formatter, so a client
 * reads it exactly as an error thrown inside a procedure (`error.data.code`, `message`).
 */
export function refusalShape(code: TRPC_ERROR_CODE_KEY, message: string, type: CallType = "unknown", path?: string) {
  return getTRPCErrorShape({
    config: appRouter._def._config,
    error: new TRPCError({ code, message }),
    type,
    path,
    input: undefined,
    ctx: undefined,
  });
}
