import type { ServerResponse } from "node:http";
import { appRouter } from "@convoy/api/server";

// At run time tRPC keeps procedures in one flat record keyed by dotted path.
const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } } | undefined>;

/**
 * Whether a `/trpc/…` request names a subscription. tRPC would serve it as an HTTP event
 * stream; Convoy serves subscriptions on the WebSocket only, where every stream belongs to
 * a session that can close it.
 */
export function namesSubscription(url: string): boolean {
  const path = url.slice("/trpc/".length).split("?", 1)[0] ?? "";
  return decodeURIComponent(path)
    .split(",")
    .some((name) => procedures[name]?._def.type === "subscription");
}

/** Answers with tRPC's error shape and 405, so tRPC clients show the message. */
export function refuseHttpSubscription(response: ServerResponse): void {
  const message = "Subscriptions are served over the WebSocket at /trpc only, not as HTTP event streams";
  response.writeHead(405, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { message, code: -32005, data: { code: "METHOD_NOT_SUPPORTED", httpStatus: 405 } } }));
}
