import type { ServerResponse } from "node:http";
import { appRouter } from "@convoy/api/server";

// At run time tRPC keeps procedures in one flat record keyed by dotted path.
const subscriptions = new Set(
  Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
    .filter(([, procedure]) => procedure._def.type === "subscription")
    .map(([path]) => path),
);

/**
 * Whether a `/trpc/…` request names a subscription. tRPC would serve it as an HTTP event
 * stream; Convoy serves subscriptions on the WebSocket only, where every stream belongs to
 * a session that can close it.
 */
export function namesSubscription(url: string): boolean {
  const queryAt = url.indexOf("?");
  let path = url.slice("/trpc/".length, queryAt === -1 ? undefined : queryAt);
  if (path.includes("%")) {
    try {
      path = decodeURIComponent(path);
    } catch {
      // tRPC refuses a path it cannot decode, before any call runs.
      return false;
    }
  }
  if (!path.includes(",")) return subscriptions.has(path);
  return path.split(",").some((name) => subscriptions.has(name));
}

/** Answers with tRPC's error shape and 405, so tRPC clients show the message. */
export function refuseHttpSubscription(response: ServerResponse): void {
  const message = "Subscriptions are served over the WebSocket at /trpc only, not as HTTP event streams";
  response.writeHead(405, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { message, code: -32005, data: { code: "METHOD_NOT_SUPPORTED", httpStatus: 405 } } }));
}
