import type { IncomingMessage } from "node:http";

/**
 * What tRPC's WebSocket adapter and `createContext` read from the upgrade request: its URL,
 * the host and scheme headers that resolve it, and the socket. The adapter keeps the
 * request it is given for as long as the connection is open; the `IncomingMessage` itself
 * (every header, cookies included, the raw headers and the stream's state) is 1.5 KB of
 * heap or more that an idle connection would otherwise hold for nothing.
 */
export function upgradeSummary(request: IncomingMessage): IncomingMessage {
  const { host, ":scheme": scheme, ":authority": authority } = request.headers as Record<string, string | undefined>;
  const headers: Record<string, string> = {};
  if (host !== undefined) headers.host = host;
  if (scheme !== undefined) headers[":scheme"] = scheme;
  if (authority !== undefined) headers[":authority"] = authority;
  return { url: request.url, headers, socket: request.socket } as unknown as IncomingMessage;
}
