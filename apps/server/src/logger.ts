import type { IncomingMessage, ServerResponse } from "node:http";
import { pino, type Logger } from "pino";

/** Keys whose values are credentials wherever they appear in a log line (top level, or one or two levels down). */
const SECRET_KEYS = [
  "password",
  "currentPassword",
  "newPassword",
  "token",
  "accessToken",
  "refreshToken",
  "connectionParams",
  "authorization",
  "cookie",
];

/**
 * Paths pino replaces with "[Redacted]" before a line is written: credential headers of
 * requests and responses, and the keys above at any of the first three levels.
 */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

/** Structured JSON logs on stdout, with credentials redacted (`REDACTED_PATHS`). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "convoy-server" }, redact: { paths: REDACTED_PATHS } });
}

/** Probes and scrapes come every few seconds: logged at debug, the rest at info. */
const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/** A request as logged: no query string (a GET's tRPC input), headers redacted by the logger. */
export function requestFields(request: IncomingMessage): Record<string, unknown> {
  const url = request.url ?? "/";
  const queryAt = url.indexOf("?");
  return {
    method: request.method,
    path: queryAt === -1 ? url : url.slice(0, queryAt),
    remoteAddress: request.socket.remoteAddress,
    headers: request.headers,
  };
}

/**
 * Logs each HTTP request once its response has gone out: method, path, status, duration.
 * Returns null when neither level is on, so the server adds no listener per request.
 */
export function requestLogger(logger: Logger): ((request: IncomingMessage, response: ServerResponse) => void) | null {
  const info = logger.isLevelEnabled("info");
  const debug = logger.isLevelEnabled("debug");
  if (!info && !debug) return null;
  return (request, response) => {
    const startedAt = performance.now();
    response.once("finish", () => {
      const req = requestFields(request);
      const quiet = QUIET_PATHS.has(req.path as string);
      if (quiet ? !debug : !info) return;
      const line = { req, res: { statusCode: response.statusCode }, ms: Math.round((performance.now() - startedAt) * 100) / 100 };
      if (quiet) logger.debug(line, "request");
      else logger.info(line, "request");
    });
  };
}
